//! Values across the edge: JSON text from `lib/client.js` (one
//! `JSON.stringify` there) into the typed core request.

use kapture_crm::parse::json_text;
use kapture_crm::{CheckedRequest, Error, FieldError};

/// The request JSON into the typed core request, checked once, every
/// problem reported (the core reads a clean request straight from the text).
pub fn request(json: &str) -> Result<CheckedRequest, Error> {
    kapture_crm::parse::checked_from_json_text(json)
}

/// `findCustomer`'s options (JSON text: `customer_id`, `phone`, `email`,
/// each a string or null) as a core lookup, validated by the core.
pub fn lookup(json: &str) -> Result<kapture_crm::CustomerLookup, Error> {
    let value = json_text(json)?;
    let field = |key: &str| -> Result<Option<String>, Error> {
        match &value[key] {
            serde_json::Value::Null => Ok(None),
            serde_json::Value::String(text) => Ok(Some(text.clone())),
            other => Err(Error::Validation(vec![FieldError::new(
                key,
                format!("expected a string, got {other}"),
            )])),
        }
    };
    // Validated by the core's `find_customer`, before any I/O.
    Ok(kapture_crm::CustomerLookup {
        customer_id: field("customer_id")?,
        phone: field("phone")?,
        email: field("email")?,
    })
}

/// An update's request (JSON text) with Kapture's customer id set,
/// validated by the update rules.
pub fn update(json: &str, customer_id: &str) -> Result<CheckedRequest, Error> {
    kapture_crm::parse::checked_update(json_text(json)?, customer_id, Vec::new())
}
