//! Values across the edge: JSON text from `lib/client.js` (one
//! `JSON.stringify` there) into the typed core request.

use kapture_crm::parse::json_text;
use kapture_crm::{CheckedRequest, Error};

/// The request JSON into the typed core request, checked once, every
/// problem reported (the core reads a clean request straight from the text).
pub fn request(json: &str) -> Result<CheckedRequest, Error> {
    kapture_crm::parse::checked_from_json_text(json)
}

/// `findCustomer`'s options (JSON text: `customer_id`, `phone`, `email`)
/// as a core lookup: each takes what the add takes (the core's rule),
/// validated by the core's `find_customer` before any I/O.
pub fn lookup(json: &str) -> Result<kapture_crm::CustomerLookup, Error> {
    kapture_crm::CustomerLookup::from_json(&json_text(json)?)
}

/// An update's request (JSON text) with Kapture's customer id set,
/// validated by the update rules.
pub fn update(json: &str, customer_id: &str) -> Result<CheckedRequest, Error> {
    kapture_crm::parse::checked_update(json_text(json)?, customer_id, Vec::new())
}
