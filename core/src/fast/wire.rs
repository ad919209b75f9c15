//! The request's wire bytes, written field by field.
//!
//! Byte for byte what `serde_json::to_vec` writes of the model's `Serialize`
//! (the tests and the request fuzz target hold it to that), for less work:
//! serde_json writes every key and value through its general escaping loop
//! and several small writes, on every call of every front end. Here a
//! key is one copy of a constant (`,"phone":`), and a string that needs no
//! escape (nearly all) is one copy between quotes; any other string, and the
//! free-form `additional_fields` objects, are still written by serde_json.
//!
//! Each struct is taken apart without `..`, so a field added to the model
//! does not compile until it is written here too.

use crate::model::{AddCustomerRequest, ContactInfo, CustomerInfo, EnquiryInfo, JsonObject};

impl AddCustomerRequest {
    /// The JSON body sent for this request (compact, every field present,
    /// the vendor's field names and order).
    pub fn to_wire(&self) -> Vec<u8> {
        // Sized for a typical request (the vendor's example is 1.1 KB).
        let mut out = Vec::with_capacity(2048);
        let AddCustomerRequest {
            customer_info,
            contact_info,
            enquiry_info,
        } = self;
        out.extend_from_slice(b"{\"customer_info\":");
        customer(&mut out, customer_info);
        out.extend_from_slice(b",\"contact_info\":[");
        for (i, contact) in contact_info.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            contact_entry(&mut out, contact);
        }
        out.extend_from_slice(b"],\"enquiry_info\":");
        enquiry(&mut out, enquiry_info);
        out.push(b'}');
        out
    }
}

/// `,"name":` (or `{"name":` for the first field of an object).
macro_rules! key {
    (first $name:literal) => {
        concat!("{\"", $name, "\":").as_bytes()
    };
    ($name:literal) => {
        concat!(",\"", $name, "\":").as_bytes()
    };
}

fn customer(out: &mut Vec<u8>, c: &CustomerInfo) {
    let CustomerInfo {
        customer_name,
        phone,
        email_id,
        locality,
        city,
        state,
        country,
        address,
        customer_type,
        classification,
        pincode,
        customer_code,
        customer_id,
        customer_assign_emp_name,
        customer_assign_emp_code,
        customer_assign_emp_email,
        zone,
        customer_remarks,
        individual,
        organization,
        channel_partner,
        remarks,
        primary_source,
        secondary_source,
        tertiary_source,
        additional_fields,
        associate_fields,
        update,
    } = c;
    string(out, key!(first "customer_name"), customer_name);
    string(out, key!("phone"), phone);
    string(out, key!("email_id"), email_id);
    string(out, key!("locality"), locality);
    string(out, key!("city"), city);
    string(out, key!("state"), state);
    string(out, key!("country"), country);
    string(out, key!("address"), address);
    string(out, key!("type"), customer_type);
    string(out, key!("classification"), classification);
    string(out, key!("pincode"), pincode);
    string(out, key!("customer_code"), customer_code);
    string(out, key!("customer_id"), customer_id);
    string(
        out,
        key!("customer_assign_emp_name"),
        customer_assign_emp_name,
    );
    string(
        out,
        key!("customer_assign_emp_code"),
        customer_assign_emp_code,
    );
    string(
        out,
        key!("customer_assign_emp_email"),
        customer_assign_emp_email,
    );
    string(out, key!("zone"), zone);
    string(out, key!("customer_remarks"), customer_remarks);
    boolean(out, key!("individual"), *individual);
    boolean(out, key!("organization"), *organization);
    boolean(out, key!("channel_partner"), *channel_partner);
    string(out, key!("remarks"), remarks);
    string(out, key!("primary_source"), primary_source);
    string(out, key!("secondary_source"), secondary_source);
    string(out, key!("tertiary_source"), tertiary_source);
    object(out, key!("additional_fields"), additional_fields);
    object(out, key!("associate_fields"), associate_fields);
    boolean(out, key!("update"), *update);
    out.push(b'}');
}

fn contact_entry(out: &mut Vec<u8>, c: &ContactInfo) {
    let ContactInfo {
        contact_id,
        title,
        first_name,
        last_name,
        contact_person_name,
        country_code,
        contact_person_phone,
        contact_person_email,
        additional_contact_phone,
        dob,
        gender,
        update,
        match_email_phone,
    } = c;
    string(out, key!(first "contact_id"), contact_id);
    string(out, key!("title"), title);
    string(out, key!("first_name"), first_name);
    string(out, key!("last_name"), last_name);
    string(out, key!("contact_person_name"), contact_person_name);
    string(out, key!("country_code"), country_code);
    string(out, key!("contact_person_phone"), contact_person_phone);
    string(out, key!("contact_person_email"), contact_person_email);
    string(
        out,
        key!("additional_contact_phone"),
        additional_contact_phone,
    );
    string(out, key!("dob"), dob);
    string(out, key!("gender"), gender);
    boolean(out, key!("update"), *update);
    boolean(out, key!("matchEmailPhone"), *match_email_phone);
    out.push(b'}');
}

fn enquiry(out: &mut Vec<u8>, e: &EnquiryInfo) {
    let EnquiryInfo {
        enquiry_id,
        assign_emp_name,
        assign_emp_code,
        assign_emp_email,
        round_robin_key,
        next_follow_up_date,
        action,
        sub_status,
        additional_fields,
        associate_fields,
        update,
        remarks,
    } = e;
    string(out, key!(first "enquiry_id"), enquiry_id);
    string(out, key!("assign_emp_name"), assign_emp_name);
    string(out, key!("assign_emp_code"), assign_emp_code);
    string(out, key!("assign_emp_email"), assign_emp_email);
    string(out, key!("round_robin_key"), round_robin_key);
    string(out, key!("next_follow_up_date"), next_follow_up_date);
    string(out, key!("action"), action);
    string(out, key!("subStatus"), sub_status);
    object(out, key!("additional_fields"), additional_fields);
    object(out, key!("associate_fields"), associate_fields);
    boolean(out, key!("update"), *update);
    string(out, key!("remarks"), remarks);
    out.push(b'}');
}

/// A key and a string value. serde_json escapes `"`, `\` and the control
/// characters below U+0020, nothing else; a string with none of those is
/// written as it is, any other by serde_json itself.
fn string(out: &mut Vec<u8>, key: &[u8], value: &str) {
    out.extend_from_slice(key);
    if value.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.push(b'"');
        out.extend_from_slice(value.as_bytes());
        out.push(b'"');
    } else {
        // Writing a string into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut *out, value);
    }
}

fn boolean(out: &mut Vec<u8>, key: &[u8], value: bool) {
    out.extend_from_slice(key);
    out.extend_from_slice(if value { b"true" } else { b"false" });
}

fn object(out: &mut Vec<u8>, key: &[u8], value: &JsonObject) {
    out.extend_from_slice(key);
    if value.is_empty() {
        out.extend_from_slice(b"{}");
    } else {
        // Writing JSON values into a Vec cannot fail.
        let _ = serde_json::to_writer(&mut *out, value);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::model::{AddCustomerRequest, ContactInfo};

    fn same_as_serde(request: &AddCustomerRequest) {
        let expected = serde_json::to_vec(request).unwrap();
        assert_eq!(
            String::from_utf8_lossy(&request.to_wire()),
            String::from_utf8_lossy(&expected)
        );
    }

    #[test]
    fn the_vendor_example_and_an_empty_request_as_serde_writes_them() {
        let text = include_str!("../../../tests/fixtures/vendor_request.json");
        same_as_serde(&AddCustomerRequest::from_json_str(text).unwrap());
        same_as_serde(&AddCustomerRequest::default());
    }

    /// Every field set to a value of its own, so a field written under the
    /// wrong name, in the wrong place or not at all shows up.
    #[test]
    fn every_field_distinct_and_strings_that_need_escapes() {
        let mut value = serde_json::to_value(AddCustomerRequest::default()).unwrap();
        let mut n = 0;
        // One of each kind of character serde_json escapes on its own.
        let odd = [
            "plain",
            "a \"quote\"",
            "a back\\slash",
            "line\nfeed",
            "bell\u{7}",
            "unit \u{1f}",
            "é ü 中文 😀 \u{7f} / </script>",
            "",
        ];
        for section in ["customer_info", "enquiry_info"] {
            for (_, field) in value[section].as_object_mut().unwrap().iter_mut() {
                n += 1;
                *field = match field {
                    serde_json::Value::String(_) => json!(format!("{}{n}", odd[n % odd.len()])),
                    serde_json::Value::Bool(_) => json!(n % 2 == 0),
                    _ => json!({"k": n, "z": [1.5, null, "x\"y"], "a": {"b": -0.0}}),
                };
            }
        }
        let contact = serde_json::to_value(ContactInfo::default()).unwrap();
        let mut contacts = Vec::new();
        for round in 0..3 {
            let mut contact = contact.clone();
            for (_, field) in contact.as_object_mut().unwrap().iter_mut() {
                n += 1;
                *field = match field {
                    serde_json::Value::String(_) => {
                        json!(format!("{}{round}", odd[n % odd.len()]))
                    }
                    _ => json!(n % 2 == 1),
                };
            }
            contacts.push(contact);
        }
        value["contact_info"] = json!(contacts);
        let request: AddCustomerRequest = serde_json::from_value(value).unwrap();
        same_as_serde(&request);
    }
}
