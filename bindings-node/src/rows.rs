//! Flat rows (spreadsheet records as plain objects) through the core's row
//! mapper (`kapture_crm::rows`): `fromRow`, and the records of a bulk run.
//! Rows and options arrive as JSON text, like requests.

use kapture_crm::rows::{Cell, RowOptions, RowReader};
use kapture_crm::{Error, FieldError};
use napi_derive::napi;
use serde_json::Value;

use crate::error::{internal, to_napi};

fn invalid(path: &str, message: &str) -> Error {
    Error::Validation(vec![FieldError::new(path, message)])
}

/// `{"columns": {header: field}, "date_format": "%d/%m/%Y"}` (from
/// `lib/rows.js`) as core options.
pub fn options(json: Option<&str>) -> Result<RowOptions, Error> {
    let Some(json) = json else {
        return Ok(RowOptions::default());
    };
    let value: Value = serde_json::from_str(json).map_err(|e| invalid("", &e.to_string()))?;
    let mut options = RowOptions::default();
    match &value["columns"] {
        Value::Null => {}
        Value::Object(map) => {
            for (from, to) in map {
                let Some(to) = to.as_str() else {
                    return Err(invalid("columns", "values must be field names (strings)"));
                };
                options.columns.push((from.clone(), to.to_string()));
            }
        }
        _ => {
            return Err(invalid(
                "columns",
                "expected an object of header -> field name",
            ));
        }
    }
    match &value["date_format"] {
        Value::Null => {}
        Value::String(format) => options.date_format = Some(format.clone()),
        _ => {
            return Err(invalid(
                "dateFormat",
                "expected a string such as \"%d/%m/%Y\"",
            ));
        }
    }
    Ok(options)
}

fn cells(row: serde_json::Map<String, Value>) -> Vec<(String, Cell)> {
    row.into_iter().map(|(k, v)| (k, Cell::Json(v))).collect()
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
