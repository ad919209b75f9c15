//! Which rows are the same customer: keys for the in-file duplicate check.

use kapture_crm::AddCustomerRequest;
use kapture_crm::formats::national_number;

use crate::rows::fnv;

/// Keys that make two rows the same customer, with the field each came from.
/// Phones are compared by their national number (`+91 98450 12345` and
/// `098450 12345` are one), `country_code` being the one assumed.
pub fn identity_keys(request: &AddCustomerRequest, country_code: &str) -> Vec<(u64, &'static str)> {
    let info = &request.customer_info;
    let mut keys = Vec::new();
    // An update names its customer by Kapture's id: two rows updating one
    // customer are duplicates too.
    let id = info.customer_id.trim();
    if !id.is_empty() {
        keys.push((fnv(&[b"id", id.as_bytes()]), "customer_id"));
    }
    let code = info.customer_code.trim();
    if !code.is_empty() {
        keys.push((fnv(&[b"code", code.as_bytes()]), "customer_code"));
    }
    let digits = national_number(&info.phone, country_code);
    if !digits.is_empty() {
        keys.push((fnv(&[b"phone", digits.as_bytes()]), "phone"));
    }
    let email = info.email_id.trim().to_lowercase();
    if !email.is_empty() {
        keys.push((fnv(&[b"email", email.as_bytes()]), "email_id"));
    }
    keys
}
