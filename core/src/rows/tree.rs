//! Where a row's mapped cells go in the request: each at its column's path,
//! then the contacts the row filled given the customer's phone and email.

use serde_json::{Map, Value};

use super::Segment;

/// A contact the row filled (a `contact_info.0.dob` column, say) with
/// neither phone nor email gets the customer's: the vendor requires one of
/// them in each contact, and its own example repeats the customer's phone.
pub(super) fn fill_contacts(root: &mut Value) {
    let Some(top) = root.as_object_mut() else {
        return;
    };
    let customer = top.get("customer_info").and_then(Value::as_object);
    let phone = customer.and_then(|c| c.get("phone")).cloned();
    let email = customer.and_then(|c| c.get("email_id")).cloned();
    let Some(Value::Array(contacts)) = top.get_mut("contact_info") else {
        return;
    };
    for contact in contacts.iter_mut().filter_map(Value::as_object_mut) {
        let has = |key: &str| contact.get(key).is_some_and(|v| !v.is_null());
        if contact.is_empty() || has("contact_person_phone") || has("contact_person_email") {
            continue;
        }
        if let Some(phone) = &phone {
            contact.insert("contact_person_phone".into(), phone.clone());
        }
        if let Some(email) = &email {
            contact.insert("contact_person_email".into(), email.clone());
        }
    }
}

pub(super) fn insert(root: &mut Value, path: &[Segment], value: Value) {
    let mut node = root;
    for (i, segment) in path.iter().enumerate() {
        let last = i + 1 == path.len();
        node = match segment {
            Segment::Key(key) => {
                let Value::Object(map) = node else { return };
                if last {
                    map.insert(key.clone(), value);
                    return;
                }
                let next_is_index = matches!(path.get(i + 1), Some(Segment::Index(_)));
                map.entry(key.clone()).or_insert_with(|| {
                    if next_is_index {
                        Value::Array(Vec::new())
                    } else {
                        Value::Object(Map::new())
                    }
                })
            }
            Segment::Index(index) => {
                let Value::Array(items) = node else { return };
                // Contacts by index: a gap (only contact_info.2 filled) is
                // an empty contact the validation then names.
                while items.len() <= *index {
                    items.push(Value::Object(Map::new()));
                }
                &mut items[*index]
            }
        };
    }
}
