//! The native half of the `kapture-crm` npm package. Thin: JSON text in and
//! out (one `JSON.stringify` / `JSON.parse` on the JS side), the Rust core in
//! between, errors mapped in `error.rs`. Calls and bulk runs run on the
//! core's shared runtime (`kapture_crm::runtime`, one I/O thread), never on
//! the JS thread; calls' outcomes come back through `hub.rs`, a bulk run's
//! through napi's async functions (`bulk.rs`). The public API lives in
//! `lib/*.js`.

mod bulk;
mod cancel;
mod client;
mod convert;
mod error;
mod hub;
mod log;
mod read;
mod rows;
mod sandbox;
#[cfg(feature = "testing")]
mod testing;

use napi_derive::napi;

pub use rows::{check_header, check_records_header, from_row, not_a_row_payload};
#[cfg(feature = "testing")]
pub use testing::testing_panic_next_run_after;

/// The SDK's version (the crate's, kept equal to package.json's).
/// A file's row as a journaled run keys it when given no key (the core's
/// rule): its number, after its sheet's name in a workbook.
#[napi(catch_unwind)]
pub fn row_key(sheet: Option<String>, row: f64) -> String {
    kapture_crm::resume::row_key(sheet.as_deref(), row.max(0.0) as u64)
}

#[napi(catch_unwind)]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

/// Validates a request (JSON text) without sending it; returns the request
/// exactly as it would go on the wire, as JSON text.
#[napi(catch_unwind)]
pub fn to_wire(request_json: String) -> napi::Result<String> {
    let request = convert::request(&request_json).map_err(|e| error::to_napi(&e))?;
    String::from_utf8(request.to_wire()).map_err(|e| error::internal(&e.to_string()))
}

/// Checks a request (JSON text) without sending it: `toWire`'s checks,
/// without building the wire text only to drop it.
#[napi(catch_unwind)]
pub fn validate(request_json: String) -> napi::Result<()> {
    convert::request(&request_json)
        .map(drop)
        .map_err(|e| error::to_napi(&e))
}

/// Every error class of the core (`Error::class()`); each has a class in
/// `lib/errors.js` (checked by the tests).
#[napi(catch_unwind)]
pub fn error_classes() -> Vec<String> {
    kapture_crm::ERROR_CLASSES
        .iter()
        .map(|c| c.to_string())
        .collect()
}

/// The error (its payload for `lib/errors.js`) of a call cancelled before
/// anything was sent, or of a bulk record (`record`) whose run was aborted
/// before it was sent: the core's words, for what JavaScript decides
/// before the engine hears of it (an `AbortSignal` already aborted).
#[napi(catch_unwind)]
pub fn aborted_payload(record: bool) -> String {
    let error = if record {
        kapture_crm::Error::record_aborted_before_sending()
    } else {
        kapture_crm::Error::cancelled_before_sending()
    };
    error::payload(&error).to_string()
}

/// The error (its payload) of a customer id of the wrong kind (`got`: what
/// JavaScript was given), at `path`: the core's rule and words.
#[napi(catch_unwind)]
pub fn customer_id_kind_payload(path: String, got: String) -> String {
    error::payload(&kapture_crm::validate::customer_id_kind_error(&path, &got)).to_string()
}

/// Why a value nested too deep is refused: the core's words.
#[napi(catch_unwind)]
pub fn too_deep_message() -> String {
    kapture_crm::depth::too_deep_message()
}

/// How deep a request may nest (the core's limit); `lib/client.js` checks it
/// before `JSON.stringify` recurses.
#[napi(catch_unwind)]
pub fn max_depth() -> u32 {
    kapture_crm::parse::MAX_DEPTH as u32
}

/// Refuses an option name `what` does not know, naming the closest one
/// (plain JavaScript passes any key; `lib/client.js` lists the known ones).
#[napi(catch_unwind)]
pub fn check_options(what: String, given: Vec<String>, known: Vec<String>) -> napi::Result<()> {
    let known: Vec<&str> = known.iter().map(String::as_str).collect();
    kapture_crm::settings::known_options(&what, &given, &known).map_err(|e| error::to_napi(&e))
}
