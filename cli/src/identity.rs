//! Which rows are the same customer: keys for the in-file duplicate check.

use kapture_crm::AddCustomerRequest;

use crate::rows::fnv;

/// Keys that make two rows the same customer, with the field each came from.
pub fn identity_keys(request: &AddCustomerRequest) -> Vec<(u64, &'static str)> {
    let info = &request.customer_info;
    let mut keys = Vec::new();
    let code = info.customer_code.trim();
    if !code.is_empty() {
        keys.push((fnv(&[b"code", code.as_bytes()]), "customer_code"));
    }
    let digits: String = info.phone.chars().filter(char::is_ascii_digit).collect();
    if !digits.is_empty() {
        keys.push((fnv(&[b"phone", digits.as_bytes()]), "phone"));
    }
    let email = info.email_id.trim().to_lowercase();
    if !email.is_empty() {
        keys.push((fnv(&[b"email", email.as_bytes()]), "email_id"));
    }
    keys
}
