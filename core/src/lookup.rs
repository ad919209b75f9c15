//! Get Customer: look a customer up by Kapture's customer id, phone or
//! email (`POST <base>/search-customer-by-customer-id.html`, a one-element
//! JSON array), the way to settle an "outcome unknown" add.
//!
//! A lookup is a read, so its retry policy is not the add's: timeouts,
//! resets, 5xx and 429 are retried (up to `max_retries`, with the same
//! backoff and `Retry-After` handling), whatever was sent.

use serde_json::{Map, Value, json};

use crate::error::{Error, FieldError};
use crate::formats::{is_email, is_phone};
use crate::response::{RawReply, interpret};
use crate::secrets::Secrets;
use crate::server_text::clean;

/// Path of the Get Customer endpoint, after the base URL's own path.
pub const LOOKUP_PATH: &str = "/search-customer-by-customer-id.html";

/// What to look a customer up by: any of Kapture's customer id, a phone, an
/// email (at least one).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CustomerLookup {
    pub customer_id: Option<String>,
    pub phone: Option<String>,
    pub email: Option<String>,
}

impl CustomerLookup {
    pub fn by_customer_id(id: impl ToString) -> Self {
        Self {
            customer_id: Some(id.to_string()),
            ..Self::default()
        }
    }

    /// A phone as text or as a whole number (`9380491387u64`), as the add
    /// takes it.
    pub fn by_phone(phone: impl ToString) -> Self {
        Self {
            phone: Some(phone.to_string()),
            ..Self::default()
        }
    }

    pub fn by_email(email: impl Into<String>) -> Self {
        Self {
            email: Some(email.into()),
            ..Self::default()
        }
    }

    /// A lookup from the bindings' JSON (`customer_id`, `phone`, `email`,
    /// each may be null or missing): each takes what the add takes (a
    /// phone or id as a whole number too); every problem at once. Its
    /// values are checked by [`CustomerLookup::validate`].
    pub fn from_json(value: &serde_json::Value) -> Result<CustomerLookup, Error> {
        let mut problems = Vec::new();
        let mut field = |key: &str| {
            let value = value.get(key).unwrap_or(&serde_json::Value::Null);
            let read = match (key, value) {
                ("customer_id", serde_json::Value::Number(n)) if !(n.is_u64() || n.is_i64()) => {
                    match crate::validate::customer_id_kind_error(key, &n.to_string()) {
                        Error::Validation(mut kind) if !kind.is_empty() => {
                            Err(kind.remove(0).message)
                        }
                        other => Err(other.to_string()),
                    }
                }
                _ => crate::parse::text_field(value),
            };
            read.unwrap_or_else(|message| {
                problems.push(crate::error::FieldError::new(key, message));
                None
            })
        };
        let lookup = CustomerLookup {
            customer_id: field("customer_id"),
            phone: field("phone"),
            email: field("email"),
        };
        if problems.is_empty() {
            Ok(lookup)
        } else {
            Err(Error::Validation(problems))
        }
    }

    /// The rules of the add fields: digits for the id, a phone's and an
    /// email's shape; at least one given. Every problem at once.
    pub fn validate(&self) -> Result<(), Error> {
        fn given(v: &Option<String>) -> Option<&str> {
            v.as_deref().map(str::trim).filter(|v| !v.is_empty())
        }
        let mut problems = Vec::new();
        if let Some(id) = given(&self.customer_id) {
            problems.extend(crate::validate::customer_id_problem("customer_id", id));
        }
        if let Some(phone) = given(&self.phone)
            && !is_phone(phone)
        {
            problems.push(FieldError::new(
                "phone",
                format!("expected a phone number (6 to 15 digits), got {phone:?}"),
            ));
        }
        if let Some(email) = given(&self.email)
            && !is_email(email)
        {
            problems.push(FieldError::new(
                "email",
                format!("expected an email address, got {email:?}"),
            ));
        }
        if given(&self.customer_id).is_none()
            && given(&self.phone).is_none()
            && given(&self.email).is_none()
        {
            problems.push(FieldError::new(
                "",
                "give a customer id, a phone or an email to look a customer up by",
            ));
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(Error::Validation(problems))
        }
    }

    /// The vendor's body: `[{"kapture_customer_id", "email_id", "phone"}]`,
    /// what is not given left empty.
    pub fn body(&self) -> Value {
        let text = |v: &Option<String>| v.as_deref().map(str::trim).unwrap_or_default().to_string();
        json!([{
            "kapture_customer_id": text(&self.customer_id),
            "email_id": text(&self.email),
            "phone": text(&self.phone),
        }])
    }
}

impl CustomerLookup {
    /// The keys of this lookup for a log line, phone and email masked.
    fn masked(&self) -> String {
        let mut keys = Vec::new();
        if let Some(id) = self.customer_id.as_deref().filter(|v| !v.trim().is_empty()) {
            keys.push(format!("customer id {}", id.trim()));
        }
        if let Some(phone) = self.phone.as_deref().filter(|v| !v.trim().is_empty()) {
            keys.push(format!("phone {}", crate::log::mask_phone(phone.trim())));
        }
        if let Some(email) = self.email.as_deref().filter(|v| !v.trim().is_empty()) {
            keys.push(format!("email {}", crate::log::mask_email(email.trim())));
        }
        keys.join(", ")
    }
}

/// Debug: what a lookup found.
pub(crate) fn log_decision(
    log: &crate::log::Emitter,
    lookup: &CustomerLookup,
    found: Option<&Customer>,
) {
    let keys = lookup.masked();
    log.emit(|| match found {
        Some(customer) => tracing::debug!(
            target: crate::log::TARGET_LOOKUP,
            found = true,
            "lookup by {keys}: found customer {}",
            customer.id.map_or_else(|| "(no id)".to_string(), |id| id.to_string())
        ),
        None => tracing::debug!(
            target: crate::log::TARGET_LOOKUP,
            found = false,
            "lookup by {keys}: no such customer"
        ),
    });
}

/// A customer as Get Customer returns it: the documented fields typed
/// (serde names are the vendor's camelCase keys), every field the server
/// sent kept in [`as_json`](Self::as_json). Read leniently: an id may come
/// as a number or as digits, a text field as a number; what does not fit is
/// `None` (and still in `as_json`).
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct Customer {
    /// Kapture's customer id.
    pub id: Option<u64>,
    #[serde(rename = "cmId")]
    pub cm_id: Option<u64>,
    pub name: Option<String>,
    #[serde(rename = "isOrganization")]
    pub is_organization: Option<bool>,
    pub address: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub country: Option<String>,
    #[serde(rename = "pinCode")]
    pub pin_code: Option<String>,
    #[serde(rename = "customerCode")]
    pub customer_code: Option<String>,
    pub remarks: Option<String>,
    /// As the vendor writes it ("May 2, 2024 4:15:42 PM").
    #[serde(rename = "generationDate")]
    pub generation_date: Option<String>,
    #[serde(rename = "currentStatus")]
    pub current_status: Option<String>,
    pub contacts: Vec<CustomerContact>,
    #[serde(skip)]
    body: Map<String, Value>,
}

/// One contact of a looked-up customer.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct CustomerContact {
    /// The contact id.
    pub id: Option<u64>,
    /// The customer id it belongs to.
    #[serde(rename = "leadId")]
    pub lead_id: Option<u64>,
    #[serde(rename = "contactPerson")]
    pub contact_person: Option<String>,
    /// Every field the server sent for it (its phone and email among them:
    /// their keys are not documented).
    #[serde(skip)]
    pub fields: Map<String, Value>,
}

fn number(value: Option<&Value>) -> Option<u64> {
    match value? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

impl Customer {
    pub fn from_json(body: Map<String, Value>) -> Self {
        let get = |key: &str| body.get(key);
        let contacts = get("contacts")
            .and_then(Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .filter_map(Value::as_object)
                    .map(|c| CustomerContact {
                        id: number(c.get("id")),
                        lead_id: number(c.get("leadId")),
                        contact_person: text(c.get("contactPerson")),
                        fields: c.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        Self {
            id: number(get("id")),
            cm_id: number(get("cmId")),
            name: text(get("name")),
            is_organization: get("isOrganization").and_then(Value::as_bool),
            address: text(get("address")),
            city: text(get("city")),
            state: text(get("state")),
            country: text(get("country")),
            pin_code: text(get("pinCode")),
            customer_code: text(get("customerCode")),
            remarks: text(get("remarks")),
            generation_date: text(get("generationDate")),
            current_status: text(get("currentStatus")),
            contacts,
            body,
        }
    }

    /// Any field by the vendor's key, as text (documented or not).
    pub fn text(&self, key: &str) -> Option<&str> {
        self.body.get(key).and_then(Value::as_str)
    }

    /// Every field the server sent.
    pub fn as_json(&self) -> &Map<String, Value> {
        &self.body
    }

    pub fn into_json(self) -> Map<String, Value> {
        self.body
    }

    /// Why this customer, found by a lookup, is not the one `request`
    /// describes; `None` when it is. A lookup by phone finds whoever holds
    /// that phone: the customer is the request's only if its name is the
    /// request's (case and spacing aside) and, where the request has an
    /// email, that email is among the customer's (in any of its fields or
    /// its contacts': the vendor does not document their keys). A customer
    /// the reply gives no name or no email for cannot be told to match.
    pub fn mismatch(&self, request: &crate::AddCustomerRequest) -> Option<String> {
        let info = &request.customer_info;
        let fold = |s: &str| {
            s.split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
                .to_lowercase()
        };
        let wanted = fold(&info.customer_name);
        match self.name.as_deref().map(fold) {
            Some(name) if name == wanted || wanted.is_empty() => {}
            Some(_) => {
                return Some(format!(
                    "its name is not the row's ({:?}, not {:?})",
                    self.name.as_deref().unwrap_or_default(),
                    info.customer_name.trim()
                ));
            }
            None => return Some("the lookup gave no name to compare".into()),
        }
        let email = info.email_id.trim().to_lowercase();
        if email.is_empty() {
            return None;
        }
        let holds = |fields: &Map<String, Value>| {
            fields
                .values()
                .filter_map(Value::as_str)
                .any(|v| v.trim().to_lowercase() == email)
        };
        if holds(&self.body) || self.contacts.iter().any(|c| holds(&c.fields)) {
            None
        } else {
            Some(format!(
                "the row's email {} is not among its emails",
                crate::log::mask_email(&email)
            ))
        }
    }
}

/// The vendor's words for "no such customer" (its spelling of "system" varies).
fn is_not_found(text: &str) -> bool {
    let text = text.to_ascii_lowercase();
    text.contains("does not exist") || text.contains("not found")
}

/// A Get Customer reply: found, not found (`Ok(None)`), or the error (a bad
/// key is `Authentication`, as for adds; another failed reply is `Api` with
/// the vendor's text).
pub(crate) fn interpret_lookup(
    reply: &RawReply,
    secret: &Secrets,
) -> Result<Option<Customer>, Error> {
    let details = serde_json::from_slice::<Value>(&reply.body)
        .ok()
        .and_then(|v| v.as_object()?.get("Customer Details").cloned());
    if ((200..300).contains(&reply.status) || reply.status == 404)
        && let Some(Value::String(text)) = &details
    {
        if is_not_found(text) {
            return Ok(None);
        }
        if !text.to_ascii_lowercase().contains("auth key") {
            return Err(Error::Api {
                status: reply.status,
                message: clean(text, secret, 300, false),
                body: clean(&String::from_utf8_lossy(&reply.body), secret, 2000, true),
            });
        }
    }
    // Success, auth failures, rate limits and server errors read as adds do.
    let response = interpret(reply, secret)?;
    match response.as_json().get("Customer Details") {
        Some(Value::Object(customer)) => Ok(Some(Customer::from_json(customer.clone()))),
        _ => Err(Error::UnexpectedResponse {
            status: reply.status,
            message: "a success reply without a \"Customer Details\" object".into(),
            body: clean(&String::from_utf8_lossy(&reply.body), secret, 2000, true),
        }),
    }
}

/// Whether a failed lookup is tried again: a read may be repeated after
/// anything transient.
pub(crate) fn should_retry_lookup(error: &Error) -> bool {
    matches!(
        error,
        Error::Timeout { .. }
            | Error::Connection { .. }
            | Error::Server { .. }
            | Error::RateLimited { .. }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lookups_are_validated_before_any_io() {
        assert!(CustomerLookup::by_phone("9845012345").validate().is_ok());
        let Err(Error::Validation(problems)) = CustomerLookup::default().validate() else {
            panic!("an empty lookup must fail")
        };
        assert_eq!(problems.len(), 1);
        let bad = CustomerLookup {
            customer_id: Some("12a".into()),
            phone: Some("12".into()),
            email: Some("nope".into()),
        };
        let Err(Error::Validation(problems)) = bad.validate() else {
            panic!()
        };
        let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(paths, ["customer_id", "phone", "email"]);
        assert_eq!(
            CustomerLookup::by_email("a@b.co").body(),
            json!([{"kapture_customer_id": "", "email_id": "a@b.co", "phone": ""}])
        );
    }

    fn reply(status: u16, body: &str) -> RawReply {
        RawReply {
            status,
            retry_after: None,
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn the_vendors_replies() {
        let found = interpret_lookup(
            &reply(200, r#"{"Customer Details": {"id": 191121684, "name": "Asha", "contacts": [{"id": 5, "leadId": 191121684}], "extra": 1}, "status": "success"}"#),
            &Secrets::new().with("t"),
        )
        .unwrap()
        .unwrap();
        assert_eq!(found.id, Some(191_121_684));
        assert_eq!(found.name.as_deref(), Some("Asha"));
        assert_eq!(found.contacts[0].lead_id, Some(191_121_684));
        assert_eq!(found.as_json()["extra"], 1);
        let missing = r#"{"Customer Details": "Information given by you does not exist in our sytsem.", "status": "failed"}"#;
        assert_eq!(
            interpret_lookup(&reply(200, missing), &Secrets::new().with("t")).unwrap(),
            None
        );
        let bad_key = r#"{"message": "Invalid Auth Key", "status": "failed"}"#;
        assert!(matches!(
            interpret_lookup(&reply(200, bad_key), &Secrets::new().with("t")),
            Err(Error::Authentication { .. })
        ));
        let other = r#"{"Customer Details": "Something else went wrong", "status": "failed"}"#;
        assert!(matches!(
            interpret_lookup(&reply(200, other), &Secrets::new().with("t")),
            Err(Error::Api { message, .. }) if message == "Something else went wrong"
        ));
    }
}

#[cfg(test)]
mod from_json_tests {
    use super::*;

    #[test]
    fn a_lookup_takes_the_phone_in_every_form_the_add_takes() {
        let json = serde_json::json!({"phone": 9380491387u64, "email": null});
        let lookup = CustomerLookup::from_json(&json).unwrap();
        assert_eq!(lookup, CustomerLookup::by_phone(9380491387u64));
        assert_eq!(lookup, CustomerLookup::by_phone("9380491387"));
        let Err(Error::Validation(problems)) = CustomerLookup::from_json(
            &serde_json::json!({"phone": 9380491387.5, "customer_id": 1.5}),
        ) else {
            panic!("decimal numbers are refused")
        };
        let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(paths, ["customer_id", "phone"], "{problems:?}");
        assert!(
            problems[1].message.contains("decimal number"),
            "{problems:?}"
        );
        assert!(
            problems[0]
                .message
                .starts_with("expected Kapture's customer id"),
            "{problems:?}"
        );
    }
}
