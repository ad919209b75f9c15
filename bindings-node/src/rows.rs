//! Flat rows (spreadsheet records as plain objects) through the core's row
//! mapper (`kapture_crm::rows`): `fromRow`, and the records of a bulk run.
//! Rows and options arrive as JSON text, like requests.

use kapture_crm::Error;
use kapture_crm::rows::{Cell, RowOptions, RowReader};
use napi_derive::napi;
use serde_json::Value;

use crate::error::{internal, to_napi};

/// The options object of `lib/rows.js` (JSON text) as core options
/// (`RowOptions::from_json`, the one rule for every front end).
pub fn options(json: Option<&str>) -> Result<RowOptions, Error> {
    match json {
        None => Ok(RowOptions::default()),
        Some(json) => RowOptions::from_json(&kapture_crm::parse::json_text(json)?),
    }
}

fn cells(row: serde_json::Map<String, Value>) -> Vec<(String, Cell)> {
    row.into_iter()
        .map(|(k, v)| (k, Cell::from_json(v)))
        .collect()
}

/// The error of a value given where a row was expected (`got`: what
/// JavaScript was given): the core's words.
#[napi(catch_unwind)]
pub fn not_a_row_payload(got: String) -> String {
    crate::error::payload(&kapture_crm::rows::not_a_row(&got)).to_string()
}

/// One flat row (JSON text of an object) into a validated request; returns
/// the request as it would go on the wire, as JSON text.
#[napi(catch_unwind)]
pub fn from_row(row_json: String, options_json: Option<String>) -> napi::Result<String> {
    let request = (|| {
        let options = options(options_json.as_deref())?;
        let Value::Object(row) = kapture_crm::parse::json_text(&row_json)? else {
            return Err(kapture_crm::rows::not_a_row("JSON that is not an object"));
        };
        RowReader::new(options)?.request(cells(row))
    })()
    .map_err(|e| to_napi(&e))?;
    serde_json::to_string(&request).map_err(|e| internal(&e.to_string()))
}

/// The header every record of a run shares (`readRows`' header row, JSON
/// text of its names), checked before the run starts
/// (`kapture_crm::rows::check_header`).
#[napi(catch_unwind)]
pub fn check_header(headers_json: String, options_json: Option<String>) -> napi::Result<()> {
    (|| {
        let options = options(options_json.as_deref())?;
        let headers: Vec<String> = serde_json::from_str(&headers_json)
            .map_err(|e| kapture_crm::Error::Config(format!("headers: {e}")))?;
        kapture_crm::rows::check_header(&headers, &options)
    })()
    .map_err(|e| to_napi(&e))
}

/// The keys of records given one by one (JSON text of an array of key
/// arrays), checked as one header when every record has the same
/// (`kapture_crm::rows::check_records_header`).
#[napi(catch_unwind)]
pub fn check_records_header(keys_json: String, options_json: Option<String>) -> napi::Result<()> {
    (|| {
        let options = options(options_json.as_deref())?;
        let keys: Vec<Vec<String>> = serde_json::from_str(&keys_json)
            .map_err(|e| kapture_crm::Error::Config(format!("keys: {e}")))?;
        kapture_crm::rows::check_records_header(&keys, &options)
    })()
    .map_err(|e| to_napi(&e))
}
