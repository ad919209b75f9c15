//! Core errors across to JavaScript.
//!
//! A rejected call carries a JSON payload behind a marker in its message;
//! `lib/errors.js` turns it into the class the core picks (`Error::class()`),
//! with `status`, `outcomeUnknown`... Payloads are built here, once, for
//! thrown errors and for bulk outcomes alike. They never hold the token: the
//! core scrubs it before an error exists.

use kapture_crm::Error;
use napi::Status;
use serde_json::{Value, json};

/// Prefix of a message that holds a payload for `lib/errors.js`.
pub const MARKER: &str = "KAPTURE_ERROR:";

/// The payload of `error`: its code (which picks the class) and properties.
pub fn payload(error: &Error) -> Value {
    let mut out = json!({
        "class": error.class(),
        "code": error.code(),
        "message": error.to_string(),
        "outcomeUnknown": error.outcome_unknown(),
    });
    if let Some(status) = error.status() {
        out["status"] = json!(status);
    }
    if let Some(body) = error.body() {
        out["body"] = json!(body);
    }
    match error {
        Error::Validation(problems) => out["errors"] = json!(problems),
        Error::RateLimited { retry_after, .. } => {
            out["retryAfter"] = json!(retry_after.map(|d| d.as_secs_f64()));
        }
        Error::Api { .. } => {
            // "Lead already exists, Customer ID :N, ...": the ids it names.
            out["existingCustomerId"] = json!(error.existing_customer_id());
            out["existingContactId"] = json!(error.existing_contact_id());
        }
        _ => {}
    }
    // What the vendor said, or the transport's own words: the error's cause.
    if let Some(cause) = error.detail() {
        out["cause"] = json!(cause);
    }
    out
}

/// `error` as a rejection.
pub fn to_napi(error: &Error) -> napi::Error {
    napi::Error::new(
        Status::GenericFailure,
        format!("{MARKER}{}", payload(error)),
    )
}

/// A defect of ours that is not a panic (a value that did not serialise).
pub fn internal(what: &str) -> napi::Error {
    to_napi(&Error::Internal {
        message: what.to_string(),
        outcome_unknown: false,
    })
}
