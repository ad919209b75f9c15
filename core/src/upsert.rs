//! Add or update one customer ("upsert"): the customer is looked up by the
//! match key (Get Customer); a customer found, and the request's by step
//! 13's matching rule ([`Customer::mismatch`]), is updated by its id, with
//! each contact's `contact_id` taken from the found customer's contacts
//! where the phone or email matches (so the update does not add the
//! contact again); otherwise the request is added. An add refused as a
//! duplicate that names the existing customer ("Lead already exists,
//! Customer ID :N") becomes an update of N. When the request's phone and
//! email find two different customers, which one to update is not known:
//! that is an error naming both ids, and nothing is sent.

use serde::Serialize;

use crate::error::Error;
use crate::error::FieldError;
use crate::lookup::{Customer, CustomerLookup};
use crate::model::AddCustomerRequest;
use crate::options::RequestOptions;
use crate::response::AddCustomerResponse;

/// The key an upsert looks the customer up by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MatchOn {
    Phone,
    Email,
}

impl MatchOn {
    /// `phone` or `email` (any case); the error names `name`, the option as
    /// the caller spells it (`match`, `--upsert`).
    pub fn parse(name: &str, text: &str) -> Result<MatchOn, Error> {
        match text.trim().to_ascii_lowercase().as_str() {
            "phone" => Ok(MatchOn::Phone),
            "email" | "email_id" => Ok(MatchOn::Email),
            _ => Err(Error::Config(format!(
                "{name} must be phone or email, got {:?}",
                crate::server_text::cut(text, 40)
            ))),
        }
    }
}

/// What an upsert did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum UpsertAction {
    Added,
    Updated,
}

impl UpsertAction {
    /// `added` or `updated`: the name every front end gives it.
    pub fn as_str(self) -> &'static str {
        match self {
            UpsertAction::Added => "added",
            UpsertAction::Updated => "updated",
        }
    }
}

/// An upsert's outcome: what it did, to which customer, and the reply.
#[derive(Debug, Clone)]
pub struct Upserted {
    pub action: UpsertAction,
    /// Kapture's id of the customer added or updated (as the reply or the
    /// lookup gave it).
    pub customer_id: Option<i64>,
    pub response: AddCustomerResponse,
}

impl crate::Client {
    /// Adds the customer, or updates the one Kapture already has under the
    /// request's phone or email (see [`crate::upsert`]). An update is sent
    /// only to a customer a lookup found, and an add that Kapture refuses
    /// as a duplicate of customer N becomes an update of N.
    pub async fn upsert_customer(
        &self,
        request: &AddCustomerRequest,
        on: MatchOn,
    ) -> Result<Upserted, Error> {
        self.upsert_customer_with(request, on, &RequestOptions::default())
            .await
    }

    /// [`upsert_customer`](Self::upsert_customer) with per-call options,
    /// applied to each of its calls.
    pub async fn upsert_customer_with(
        &self,
        request: &AddCustomerRequest,
        on: MatchOn,
        options: &RequestOptions,
    ) -> Result<Upserted, Error> {
        request.validate()?;
        let info = &request.customer_info;
        let (key, other) = match on {
            MatchOn::Phone => (
                lookup_key("customer_info.phone", &info.phone, CustomerLookup::by_phone)?,
                optional_key(&info.email_id, CustomerLookup::by_email),
            ),
            MatchOn::Email => (
                lookup_key(
                    "customer_info.email_id",
                    &info.email_id,
                    CustomerLookup::by_email,
                )?,
                optional_key(&info.phone, CustomerLookup::by_phone),
            ),
        };
        let found = self.find_customer_with(&key, options).await?;
        if let (Some(found), Some(other)) = (&found, other) {
            let also = self.find_customer_with(&other, options).await?;
            if let Some(also) = also
                && found.id != also.id
            {
                return Err(Error::Validation(vec![FieldError::new(
                    "customer_info",
                    format!(
                        "the phone finds customer {} and the email finds customer {}: which one \
                         to update is not known, so nothing was sent",
                        shown(found.id),
                        shown(also.id)
                    ),
                )]));
            }
        }
        if let Some(customer) = found.filter(|c| c.mismatch(request).is_none())
            && let Some(id) = customer.id
        {
            return self.update_found(request, &customer, id, options).await;
        }
        match self.add_customer_with(request, options).await {
            Ok(response) => Ok(Upserted {
                action: UpsertAction::Added,
                customer_id: response.customer_id(),
                response,
            }),
            Err(error) => match error.existing_customer_id() {
                Some(id) => {
                    // Its contacts, to fill the contact ids from.
                    let lookup = CustomerLookup::by_customer_id(id);
                    let existing = self
                        .find_customer_with(&lookup, options)
                        .await?
                        .unwrap_or_default();
                    self.update_found(request, &existing, id, options).await
                }
                None => Err(error),
            },
        }
    }

    async fn update_found(
        &self,
        request: &AddCustomerRequest,
        customer: &Customer,
        id: u64,
        options: &RequestOptions,
    ) -> Result<Upserted, Error> {
        let request = with_contact_ids(request, customer);
        let response = self
            .update_customer_with(&id.to_string(), &request, options)
            .await?;
        Ok(Upserted {
            action: UpsertAction::Updated,
            customer_id: response.customer_id().or(i64::try_from(id).ok()),
            response,
        })
    }
}

fn lookup_key(
    path: &str,
    value: &str,
    make: fn(String) -> CustomerLookup,
) -> Result<CustomerLookup, Error> {
    if value.trim().is_empty() {
        return Err(Error::Validation(vec![FieldError::new(
            path,
            "an upsert matching on it needs it; it is blank",
        )]));
    }
    Ok(make(value.trim().to_string()))
}

fn optional_key(value: &str, make: fn(String) -> CustomerLookup) -> Option<CustomerLookup> {
    (!value.trim().is_empty()).then(|| make(value.trim().to_string()))
}

fn shown(id: Option<u64>) -> String {
    id.map_or_else(|| "(no id)".into(), |id| id.to_string())
}

fn digits(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).collect()
}

/// `request` with each contact that has no `contact_id` given the id of the
/// found customer's contact holding its phone (by digits) or email (any
/// case). The vendor does not document a contact's phone and email keys, so
/// every text value of the contact is compared.
fn with_contact_ids(request: &AddCustomerRequest, customer: &Customer) -> AddCustomerRequest {
    let mut request = request.clone();
    for contact in &mut request.contact_info {
        if !contact.contact_id.trim().is_empty() {
            continue;
        }
        let phone = digits(&contact.contact_person_phone);
        let email = contact.contact_person_email.trim().to_lowercase();
        let held = customer.contacts.iter().find(|c| {
            c.fields.values().filter_map(|v| v.as_str()).any(|v| {
                (!phone.is_empty() && digits(v) == phone)
                    || (!email.is_empty() && v.trim().to_lowercase() == email)
            })
        });
        if let Some(id) = held.and_then(|c| c.id) {
            contact.contact_id = id.to_string();
        }
    }
    request
}
