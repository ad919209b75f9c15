//! Core errors across to JavaScript.
//!
//! A rejected call carries a JSON payload behind a marker in its message;
//! `lib/errors.js` turns it into the matching error class (with `code`,
//! `status`, `outcomeUnknown`...). Payloads are built here, once, for thrown
//! errors and for bulk outcomes alike. They never hold the token: the core
//! scrubs it before an error exists.

use kapture_crm::Error;
use napi::Status;
use serde_json::{Value, json};

/// Prefix of a message that holds a payload for `lib/errors.js`.
pub const MARKER: &str = "KAPTURE_ERROR:";

/// The payload of `error`: which class, and its properties.
pub fn payload(error: &Error) -> Value {
    let class = match error {
        Error::Validation(_) => "ValidationError",
        Error::Config(_) => "ConfigError",
        Error::Authentication { .. } => "AuthenticationError",
        Error::RateLimited { .. } => "RateLimitError",
        Error::Api { .. } => "ApiError",
        Error::Server { .. } => "ServerError",
        Error::Timeout { .. } => "TimeoutError",
        Error::Connection { .. } => "ConnectionError",
        Error::UnexpectedResponse { .. } => "UnexpectedResponseError",
        _ => "KaptureError",
    };
    let mut out = json!({
        "class": class,
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
        _ => {}
    }
    // What the vendor said, or the transport's own words: the error's cause.
    let cause = error.detail();
    if let Some(cause) = cause {
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

/// A `KaptureError` with code `internal`, for what must never happen (a
/// panic caught at the edge, outcomes lost): never a crash of the process.
pub fn internal(what: &str) -> napi::Error {
    let payload = json!({
        "class": "KaptureError",
        "code": "internal",
        "message": format!("kapture-crm internal error: {what}; please report it"),
        "outcomeUnknown": true,
    });
    napi::Error::new(Status::GenericFailure, format!("{MARKER}{payload}"))
}

/// The message of a caught panic.
pub fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".into())
}

/// Runs a future, turning a panic inside it into [`internal`].
pub async fn guarded<T>(
    work: impl std::future::Future<Output = napi::Result<T>>,
) -> napi::Result<T> {
    use futures_util::FutureExt;
    std::panic::AssertUnwindSafe(work)
        .catch_unwind()
        .await
        .unwrap_or_else(|payload| Err(internal(&panic_text(&*payload))))
}
