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

/// The payload of `error`: the core's report (`Error::report`) under the
/// names `lib/errors.js` gives its properties.
pub fn payload(error: &Error) -> Value {
    let report = error.report();
    let mut out = json!({
        "class": report.class,
        "code": report.code,
        "message": report.text,
        "outcomeUnknown": report.outcome_unknown,
    });
    if let Some(status) = report.status {
        out["status"] = json!(status);
    }
    if let Some(body) = report.body {
        out["body"] = json!(body);
    }
    if let Some(problems) = report.problems {
        out["errors"] = json!(problems);
    }
    if let Some(retry_after) = report.retry_after {
        out["retryAfter"] = json!(retry_after);
    }
    if let Some(existing) = report.existing {
        out["existingCustomerId"] = json!(existing.customer_id);
        out["existingContactId"] = json!(existing.contact_id);
    }
    if let Some(cause) = report.cause {
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
