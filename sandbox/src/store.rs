//! The sandbox's customers, in memory, and what `add-update` does to them.
//! The rules are documented on the crate (see `lib.rs`).

use std::collections::HashMap;

use serde::Serialize;
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
}

impl Store {
    pub fn new() -> Self {
        Self {
            next_customer: FIRST_CUSTOMER_ID,
            next_contact: FIRST_CONTACT_ID,
            ..Self::default()
        }
    }

    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn clear(&mut self) {
        *self = Self::new();
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

    /// Adds or updates the customer of one accepted request body.
    pub fn add_update(&mut self, request: &Value) -> Outcome {
        let info = &request["customer_info"];
        let name = text(&info["customer_name"]);
        let phone = phone_key(&text(&info["phone"]));
        let email = text(&info["email_id"]).to_lowercase();
        if name.is_empty() || (phone.is_empty() && email.is_empty()) {
            return Outcome::Failed(REQUIRED_MESSAGE.into());
        }

        let explicit_id = text(&info["customer_id"]);
        let existing = if info["update"] == Value::Bool(true) && !explicit_id.is_empty() {
            let id = explicit_id.parse::<u64>().ok();
            match id.and_then(|id| self.by_id.get(&id)) {
                Some(&index) => Some(index),
                None => {
                    return Outcome::Failed(format!(
                        "Customer not found for customer_id {explicit_id}"
                    ));
                }
            }
        } else {
            (!phone.is_empty())
                .then(|| self.by_phone.get(&phone))
                .flatten()
                .or_else(|| {
                    (!email.is_empty())
                        .then(|| self.by_email.get(&email))
                        .flatten()
                })
                .copied()
        };

        let compact = request.to_string().into_boxed_str();
        let contacts = request["contact_info"]
            .as_array()
            .map_or(&[][..], Vec::as_slice);
        let index = match existing {
            Some(index) => {
                let record = &mut self.records[index];
                record.writes += 1;
                record.request = compact;
                index
            }
            None => {
                let customer_id = self.next_customer;
                self.next_customer += 1;
                self.records.push(Record {
                    customer_id,
                    contact_ids: Vec::new(),
                    writes: 1,
                    request: compact,
                });
                let index = self.records.len() - 1;
                self.by_id.insert(customer_id, index);
                index
            }
        };

        // A contact that names one of this customer's contact ids keeps it;
        // every other contact gets a new id.
        let mut first_contact = None;
        for contact in contacts {
            let given = text(&contact["contact_id"]).parse::<u64>().ok();
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
            self.by_phone.insert(phone, index);
        }
        if !email.is_empty() {
            self.by_email.insert(email, index);
        }
        Outcome::Written {
            customer_id: self.records[index].customer_id,
            contact_id: first_contact,
            added: existing.is_none(),
        }
    }
}

/// A field as text: strings trimmed, numbers as their digits.
fn text(value: &Value) -> String {
    match value {
        Value::String(s) => s.trim().to_string(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    }
}

/// Phones match on their digits: `+91 93804-91387` is `919380491387`.
fn phone_key(phone: &str) -> String {
    phone.chars().filter(char::is_ascii_digit).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn add(store: &mut Store, body: Value) -> Outcome {
        store.add_update(&body)
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
}
