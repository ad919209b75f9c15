//! The sandbox's customers, in memory, and what `add-update` does to them.
//! The rules are documented on the crate (see `lib.rs`).

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::{Value, json};

/// First ids handed out; they only grow.
const FIRST_CUSTOMER_ID: u64 = 100_000_001;
const FIRST_CONTACT_ID: u64 = 200_000_001;

/// The vendor's one published rule, and its message.
pub const REQUIRED_MESSAGE: &str = "Name, Email Id, and Phone Number required";

/// A customer as the sandbox holds it.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct StoredCustomer {
    pub customer_id: u64,
    /// One id per contact ever sent for this customer, in order.
    pub contact_ids: Vec<u64>,
    /// How many accepted requests wrote this customer (1 = added once and
    /// never updated; 2 after a retry that a client should not have sent...).
    pub writes: u32,
    /// The last request body that wrote it, as received.
    pub request: Value,
}

/// A stored customer under Get Customer's names (`id`, `cmId`, `name`,
/// `isOrganization`, `pinCode`, `customerCode`, `contacts` of `{id, leadId,
/// contactPerson, ...}`). The contacts' phone and email keys are not
/// documented by the vendor; the sandbox calls them `phone` and `email`.
fn vendor_details(record: &Record) -> Value {
    let request: Value = serde_json::from_str(&record.request).unwrap_or(Value::Null);
    let info = &request["customer_info"];
    let text = |v: &Value, key: &str| v[key].as_str().unwrap_or_default().to_string();
    let contacts: Vec<Value> = request["contact_info"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .zip(&record.contact_ids)
        .map(|(contact, id)| {
            let mut person = text(contact, "contact_person_name");
            if person.is_empty() {
                person = format!(
                    "{} {}",
                    text(contact, "first_name"),
                    text(contact, "last_name")
                )
                .trim()
                .to_string();
            }
            serde_json::json!({
                "id": id,
                "leadId": record.customer_id,
                "contactPerson": person,
                "phone": text(contact, "contact_person_phone"),
                "email": text(contact, "contact_person_email"),
            })
        })
        .collect();
    serde_json::json!({
        "id": record.customer_id,
        "cmId": record.customer_id,
        "name": text(info, "customer_name"),
        "isOrganization": info["organization"].as_bool().unwrap_or(false),
        "address": text(info, "address"),
        "city": text(info, "city"),
        "state": text(info, "state"),
        "country": text(info, "country"),
        "pinCode": text(info, "pincode"),
        "customerCode": text(info, "customer_code"),
        "remarks": text(info, "remarks"),
        "phone": text(info, "phone"),
        "email": text(info, "email_id"),
        "generationDate": "Nov 29, 2026 12:00:00 PM",
        "currentStatus": "Open",
        "contacts": contacts,
    })
}

/// An update by id: the stored request with the update's non-empty fields
/// of `customer_info` and `enquiry_info` over it, and its contacts if any.
fn merged(stored: &str, update: &str) -> String {
    let (Ok(mut stored), Ok(update)) = (
        serde_json::from_str::<Value>(stored),
        serde_json::from_str::<Value>(update),
    ) else {
        return update.to_string();
    };
    for section in ["customer_info", "enquiry_info"] {
        if let (Some(target), Some(fields)) = (
            stored.get_mut(section).and_then(Value::as_object_mut),
            update.get(section).and_then(Value::as_object),
        ) {
            for (key, value) in fields {
                let empty = matches!(value, Value::Null | Value::Bool(false))
                    || value.as_str().is_some_and(str::is_empty)
                    || value.as_object().is_some_and(serde_json::Map::is_empty);
                if !empty {
                    target.insert(key.clone(), value.clone());
                }
            }
        }
    }
    if update["contact_info"]
        .as_array()
        .is_some_and(|c| !c.is_empty())
    {
        stored["contact_info"] = update["contact_info"].clone();
    }
    stored.to_string()
}

/// The vendor's reply when Get Customer finds nothing (its spelling).
pub const NOT_FOUND_MESSAGE: &str = "Information given by you does not exist in our sytsem.";

/// Held compactly: a million customers must not cost gigabytes.
struct Record {
    customer_id: u64,
    contact_ids: Vec<u64>,
    writes: u32,
    request: Box<str>,
}

/// What an `add-update` did.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Written {
        customer_id: u64,
        contact_id: Option<u64>,
        added: bool,
    },
    Failed(String),
}

impl Outcome {
    /// The reply body, shaped as the vendor's.
    pub fn reply(&self) -> Value {
        match self {
            Outcome::Written {
                customer_id,
                contact_id,
                added,
            } => {
                let (event, verb) = if *added {
                    ("ADD_CUSTOMER", "Added")
                } else {
                    ("UPDATE_CUSTOMER", "Updated")
                };
                let mut customer = json!({
                    "result": true,
                    "customer_id": customer_id,
                    "action": "CUSTOMER",
                    "action_event": event,
                });
                let mut message = format!("Customer {verb} successfully !");
                if let Some(id) = contact_id {
                    customer["contact_id"] = json!(id);
                    message.push_str(&format!("Contact {verb} successfully !"));
                }
                json!({"status": "success", "customer": customer, "message": message})
            }
            Outcome::Failed(message) => json!({"message": message, "status": "failed"}),
        }
    }
}

#[derive(Default)]
pub struct Store {
    records: Vec<Record>,
    by_id: HashMap<u64, usize>,
    by_phone: HashMap<String, usize>,
    by_email: HashMap<String, usize>,
    next_customer: u64,
    next_contact: u64,
    /// What an add does when its phone or email is already a customer's.
    duplicates: Duplicates,
    next_enquiry: u64,
}

/// What an add (no customer id) does when its phone or email is already a
/// stored customer's.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Duplicates {
    /// Updates that customer (our assumption, not the vendor's).
    #[default]
    Merge,
    /// Makes another customer: a double send shows as two customers.
    Separate,
    /// Refuses it the way a duplicate reply reads in public material
    /// (`{"message": "Lead already exists, Customer ID :N, Enquiry ID :M,
    /// Contact ID : K", "status": "failed"}`; the endpoint it came from is
    /// not stated), storing nothing.
    Refuse,
}

impl std::str::FromStr for Duplicates {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "merge" => Ok(Duplicates::Merge),
            "separate" => Ok(Duplicates::Separate),
            "refuse" => Ok(Duplicates::Refuse),
            _ => Err(format!("expected merge, separate or refuse, got {text:?}")),
        }
    }
}

/// Enquiry ids of the sandbox's duplicate refusals (it keeps no enquiries).
const FIRST_ENQUIRY_ID: u64 = 300_000_001;

impl Store {
    #[cfg(test)]
    pub fn new() -> Self {
        Self::with_duplicates(Duplicates::Merge)
    }

    pub fn with_duplicates(duplicates: Duplicates) -> Self {
        Self {
            next_customer: FIRST_CUSTOMER_ID,
            next_contact: FIRST_CONTACT_ID,
            next_enquiry: FIRST_ENQUIRY_ID,
            duplicates,
            ..Self::default()
        }
    }

    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn clear(&mut self) {
        *self = Self::with_duplicates(self.duplicates);
    }

    pub fn customers(&self) -> Vec<StoredCustomer> {
        self.records
            .iter()
            .map(|r| StoredCustomer {
                customer_id: r.customer_id,
                contact_ids: r.contact_ids.clone(),
                writes: r.writes,
                request: serde_json::from_str(&r.request).unwrap_or(Value::Null),
            })
            .collect()
    }

    /// Get Customer: the customer with this id, else this phone (by its
    /// digits), else this email (any case), as the vendor's "Customer
    /// Details" object.
    pub fn find(&self, customer_id: &str, phone: &str, email: &str) -> Option<Value> {
        let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
        let email = email.trim().to_lowercase();
        let index = customer_id
            .trim()
            .parse::<u64>()
            .ok()
            .and_then(|id| self.by_id.get(&id))
            .or_else(|| {
                (!digits.is_empty())
                    .then(|| self.by_phone.get(&digits))
                    .flatten()
            })
            .or_else(|| {
                (!email.is_empty())
                    .then(|| self.by_email.get(&email))
                    .flatten()
            })?;
        let record = &self.records[*index];
        Some(vendor_details(record))
    }

    /// Adds or updates the customer of one parsed request body.
    pub fn add_update(&mut self, request: &Parsed<'_>) -> Outcome {
        let Parsed {
            name,
            phone,
            email,
            explicit_id,
            contact_ids,
            body,
        } = request;
        // The vendor's Update Customer: a customer id names the customer,
        // whatever `update` says, and is checked before the name rule (an
        // update may carry only the id and the changed fields).
        let by_id = !explicit_id.is_empty();
        let existing = if by_id {
            let id = explicit_id.parse::<u64>().ok();
            match id.and_then(|id| self.by_id.get(&id)) {
                Some(&index) => Some(index),
                None => {
                    return Outcome::Failed(format!(
                        "Customer does not exist for customer_id {explicit_id}"
                    ));
                }
            }
        } else if name.is_empty() || (phone.is_empty() && email.is_empty()) {
            return Outcome::Failed(REQUIRED_MESSAGE.into());
        } else if self.duplicates == Duplicates::Separate {
            None
        } else {
            let held = (!phone.is_empty())
                .then(|| self.by_phone.get(phone))
                .flatten()
                .or_else(|| {
                    (!email.is_empty())
                        .then(|| self.by_email.get(email))
                        .flatten()
                })
                .copied();
            if let (Some(index), Duplicates::Refuse) = (held, self.duplicates) {
                let record = &self.records[index];
                let enquiry = self.next_enquiry;
                self.next_enquiry += 1;
                let contact = record
                    .contact_ids
                    .first()
                    .map_or_else(|| "N/A".to_string(), u64::to_string);
                return Outcome::Failed(format!(
                    "Lead already exists, Customer ID :{}, Enquiry ID :{enquiry}, Contact ID : {contact}",
                    record.customer_id
                ));
            }
            held
        };

        let index = match existing {
            Some(index) => {
                let record = &mut self.records[index];
                record.writes += 1;
                record.request = if by_id {
                    merged(&record.request, body).into()
                } else {
                    (*body).into()
                };
                index
            }
            None => {
                let customer_id = self.next_customer;
                self.next_customer += 1;
                self.records.push(Record {
                    customer_id,
                    contact_ids: Vec::new(),
                    writes: 1,
                    request: (*body).into(),
                });
                let index = self.records.len() - 1;
                self.by_id.insert(customer_id, index);
                index
            }
        };

        // A contact that names one of this customer's contact ids keeps it;
        // every other contact gets a new id.
        let mut first_contact = None;
        for given in contact_ids {
            let record = &mut self.records[index];
            let id = match given.filter(|id| record.contact_ids.contains(id)) {
                Some(id) => id,
                None => {
                    let id = self.next_contact;
                    self.next_contact += 1;
                    record.contact_ids.push(id);
                    id
                }
            };
            first_contact.get_or_insert(id);
        }
        if !phone.is_empty() {
            self.by_phone.insert(phone.clone(), index);
        }
        if !email.is_empty() {
            self.by_email.insert(email.clone(), index);
        }
        Outcome::Written {
            customer_id: self.records[index].customer_id,
            contact_id: first_contact,
            added: existing.is_none(),
        }
    }
}

/// What the store needs of a request body, read without building a whole
/// JSON tree (the sandbox must never be a benchmark's bottleneck). Parsed
/// outside the store's lock.
#[derive(Debug)]
pub struct Parsed<'a> {
    name: String,
    /// Digits only: `+91 93804-91387` matches `919380491387`.
    phone: String,
    /// Lower case.
    email: String,
    explicit_id: String,
    /// One entry per contact: the `contact_id` it gave, if any.
    contact_ids: Vec<Option<u64>>,
    /// The body as received, kept as the stored request.
    body: &'a str,
}

#[derive(Deserialize)]
struct Top<'a> {
    #[serde(borrow)]
    customer_info: Option<&'a RawValue>,
    #[serde(borrow)]
    contact_info: Option<&'a RawValue>,
}

#[derive(Deserialize, Default)]
struct Info<'a> {
    #[serde(borrow)]
    customer_name: Option<&'a RawValue>,
    #[serde(borrow)]
    phone: Option<&'a RawValue>,
    #[serde(borrow)]
    email_id: Option<&'a RawValue>,
    #[serde(borrow)]
    customer_id: Option<&'a RawValue>,
}

#[derive(Deserialize, Default)]
struct Contact<'a> {
    #[serde(borrow)]
    contact_id: Option<&'a RawValue>,
}

impl<'a> Parsed<'a> {
    /// Reads a body; `Err` says why it is not a JSON object. Sections of the
    /// wrong type count as absent, as lenient as the vendor is documented.
    pub fn from_body(body: &'a str) -> Result<Self, String> {
        if !body.trim_start().starts_with('{') {
            return Err("expected a JSON object".into());
        }
        let top: Top<'a> = serde_json::from_str(body).map_err(|e| e.to_string())?;
        let info: Info<'a> = object(top.customer_info).unwrap_or_default();
        let contacts: Vec<&RawValue> = top
            .contact_info
            .filter(|raw| raw.get().starts_with('['))
            .and_then(|raw| serde_json::from_str(raw.get()).ok())
            .unwrap_or_default();
        let contact_ids = contacts
            .into_iter()
            .map(|raw| {
                let contact: Contact = object(Some(raw)).unwrap_or_default();
                text(contact.contact_id).parse().ok()
            })
            .collect();
        Ok(Parsed {
            name: text(info.customer_name),
            phone: text(info.phone)
                .chars()
                .filter(char::is_ascii_digit)
                .collect(),
            email: text(info.email_id).to_lowercase(),
            explicit_id: text(info.customer_id),
            contact_ids,
            body,
        })
    }
}

/// A section parsed as an object, or `None` when it is anything else.
fn object<'a, T: Deserialize<'a>>(raw: Option<&'a RawValue>) -> Option<T> {
    let raw = raw?;
    raw.get()
        .starts_with('{')
        .then(|| serde_json::from_str(raw.get()).ok())
        .flatten()
}

/// A field as text: strings trimmed, numbers as their digits, else empty.
fn text(raw: Option<&RawValue>) -> String {
    let Some(raw) = raw else {
        return String::new();
    };
    let raw = raw.get();
    match raw.as_bytes().first() {
        Some(b'"') => serde_json::from_str::<String>(raw)
            .map(|s| s.trim().to_string())
            .unwrap_or_default(),
        Some(b'-' | b'0'..=b'9') => raw.to_string(),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn add(store: &mut Store, body: Value) -> Outcome {
        let text = body.to_string();
        store.add_update(&Parsed::from_body(&text).unwrap())
    }

    #[test]
    fn bodies_that_are_not_objects_are_refused() {
        for body in ["", "[1]", "\"x\"", "{\"customer_info\": ", "nope"] {
            assert!(Parsed::from_body(body).is_err(), "{body:?}");
        }
        let lenient =
            Parsed::from_body(r#"{"customer_info": 5, "contact_info": {"a": 1}}"#).unwrap();
        assert!(lenient.name.is_empty() && lenient.contact_ids.is_empty());
    }

    #[test]
    fn same_phone_or_email_updates_the_customer() {
        let mut store = Store::new();
        let first = add(
            &mut store,
            json!({"customer_info": {"customer_name": "A", "phone": "+91 93804-91387"}}),
        );
        let Outcome::Written {
            customer_id,
            added: true,
            contact_id: None,
        } = first
        else {
            panic!("{first:?}")
        };
        let again = add(
            &mut store,
            json!({"customer_info": {"customer_name": "A2", "phone": "919380491387", "email_id": "a@x.in"}}),
        );
        assert_eq!(
            again,
            Outcome::Written {
                customer_id,
                contact_id: None,
                added: false
            }
        );
        let by_email = add(
            &mut store,
            json!({"customer_info": {"customer_name": "A3", "email_id": "A@X.IN"}}),
        );
        assert_eq!(
            by_email,
            Outcome::Written {
                customer_id,
                contact_id: None,
                added: false
            }
        );
        assert_eq!(store.len(), 1);
        let c = &store.customers()[0];
        assert_eq!(c.writes, 3);
        assert_eq!(c.request["customer_info"]["customer_name"], "A3");
    }

    #[test]
    fn update_by_customer_id() {
        let mut store = Store::new();
        add(
            &mut store,
            json!({"customer_info": {"customer_name": "A", "phone": "9380491387"},
                               "contact_info": [{"first_name": "X"}]}),
        );
        let id = store.customers()[0].customer_id;
        let contact = store.customers()[0].contact_ids[0];
        let updated = add(
            &mut store,
            json!({"customer_info": {"customer_name": "B", "phone": "9999999999",
            "customer_id": id.to_string(), "update": true},
            "contact_info": [{"contact_id": contact.to_string()}, {"first_name": "Y"}]}),
        );
        assert_eq!(
            updated,
            Outcome::Written {
                customer_id: id,
                contact_id: Some(contact),
                added: false
            }
        );
        assert_eq!(store.customers()[0].contact_ids, [contact, contact + 1]);
        let missing = add(
            &mut store,
            json!({"customer_info": {"customer_name": "B", "phone": "9999999999",
            "customer_id": "42", "update": true}}),
        );
        assert!(matches!(missing, Outcome::Failed(m) if m.contains("42")));
    }

    #[test]
    fn name_and_phone_or_email_required() {
        let mut store = Store::new();
        for body in [
            json!({}),
            json!({"customer_info": {"customer_name": "A"}}),
            json!({"customer_info": {"phone": "9380491387"}}),
        ] {
            assert_eq!(
                add(&mut store, body),
                Outcome::Failed(REQUIRED_MESSAGE.into())
            );
        }
        assert_eq!(store.len(), 0);
    }

    #[test]
    fn refuse_mode_answers_a_second_add_with_the_existing_ids_and_stores_nothing() {
        let mut store = Store::with_duplicates(Duplicates::Refuse);
        let body = r#"{"customer_info":{"customer_name":"Asha","phone":"9380491387"},"contact_info":[{"first_name":"Asha","contact_person_phone":"9380491387"}]}"#;
        let Outcome::Written {
            customer_id,
            contact_id,
            ..
        } = store.add_update(&Parsed::from_body(body).unwrap())
        else {
            panic!("the first add is stored");
        };
        let again = store.add_update(&Parsed::from_body(body).unwrap());
        let Outcome::Failed(message) = again else {
            panic!("a second add is refused");
        };
        assert_eq!(
            message,
            format!(
                "Lead already exists, Customer ID :{customer_id}, Enquiry ID :300000001, Contact ID : {}",
                contact_id.unwrap()
            )
        );
        assert_eq!(store.len(), 1);
        assert_eq!(store.customers()[0].writes, 1);
    }
}
