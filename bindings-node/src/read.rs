//! `readRows`: a file's rows through the core's reader
//! (`kapture_crm::rows::reader`), handed to `lib/read.js` in batches of
//! JSON text. A date cell is the vendor's text (`1990-02-28`,
//! `2026-12-10 09:30:00`: a calendar date has no time zone, which a JS
//! `Date` would invent); an error cell is the object `lib/read.js` turns
//! into a `CellError` (`kapture_crm::rows::CELL_ERROR_KEY`).

use std::sync::Mutex;

use kapture_crm::rows::CELL_ERROR_KEY;
use kapture_crm::rows::reader::{RawCells, RawRows, ReadError};
use kapture_crm::rows::workbook::{SheetCell, cell_error_message};
use napi::Status;
use napi_derive::napi;
use serde_json::{Value, json};

use crate::error::to_napi;

/// What prefixes the message of a file that could not be opened:
/// `lib/read.js` throws it as a Node error with its `code` (`ENOENT`).
const IO_MARKER: &str = "KAPTURE_IO:";

#[napi]
pub struct NativeFileRows {
    rows: Mutex<RawRows>,
    named: Vec<usize>,
    headers: Vec<String>,
    sheet: Option<String>,
    header_row: Option<u32>,
}

#[napi]
impl NativeFileRows {
    /// Opens `path`; `options_json` holds `sheet` and `header_row`.
    #[napi(constructor, catch_unwind)]
    pub fn new(path: String, options_json: Option<String>) -> napi::Result<Self> {
        let options = crate::rows::options(options_json.as_deref()).map_err(|e| to_napi(&e))?;
        let rows = kapture_crm::rows::reader::read(std::path::Path::new(&path), &options)
            .map_err(read_error)?;
        let named: Vec<usize> = (0..rows.headers.len())
            .filter(|&i| !kapture_crm::rows::trim(&rows.headers[i]).is_empty())
            .collect();
        let headers = named.iter().map(|&i| rows.headers[i].clone()).collect();
        let sheet = rows.sheet.as_ref().map(|s| s.name.clone());
        let header_row = rows
            .sheet
            .as_ref()
            .and_then(|s| u32::try_from(s.header_row).ok());
        Ok(Self {
            rows: Mutex::new(rows),
            named,
            headers,
            sheet,
            header_row,
        })
    }

    #[napi(getter)]
    pub fn headers(&self) -> Vec<String> {
        self.headers.clone()
    }

    #[napi(getter)]
    pub fn sheet(&self) -> Option<String> {
        self.sheet.clone()
    }

    #[napi(getter)]
    pub fn header_row(&self) -> Option<u32> {
        self.header_row
    }

    /// Up to `count` rows as JSON text: `[[number, values], ...]`, values
    /// one per named column (or a JSON line's object); `[]` at the end.
    #[napi(catch_unwind)]
    pub fn next_batch(&self, count: u32) -> napi::Result<String> {
        let mut rows = self.rows.lock().unwrap_or_else(|p| p.into_inner());
        let mut batch = Vec::new();
        for _ in 0..count.max(1) {
            let Some(row) = rows.next() else { break };
            let row = row.map_err(read_error)?;
            let values = match row.cells {
                RawCells::Columns(cells) => Value::Array(
                    self.named
                        .iter()
                        .map(|&i| cells.get(i).map_or(Value::Null, value))
                        .collect(),
                ),
                RawCells::Json(json) => json,
            };
            batch.push(json!([row.number, values]));
        }
        serde_json::to_string(&batch).map_err(|e| crate::error::internal(&e.to_string()))
    }
}

fn read_error(error: ReadError) -> napi::Error {
    match error {
        ReadError::Io {
            path,
            kind,
            message,
        } => napi::Error::new(
            Status::GenericFailure,
            format!(
                "{IO_MARKER}{}",
                json!({"kind": format!("{kind:?}"), "message": format!("{path}: {message}")})
            ),
        ),
        ReadError::Invalid(error) => to_napi(&error),
    }
}

/// A cell as JSON for `lib/read.js`.
fn value(cell: &SheetCell) -> Value {
    match cell {
        SheetCell::Empty => Value::Null,
        SheetCell::Text(text) | SheetCell::Time(text) => Value::String(text.clone()),
        SheetCell::Integer(n) => json!(n),
        SheetCell::Number(f) => json!(f),
        SheetCell::Bool(b) => json!(b),
        SheetCell::Date(date) => Value::String(date.vendor_text(true)),
        SheetCell::Error { value, cell } => json!({
            CELL_ERROR_KEY: cell_error_message(value, cell), "value": value, "cell": cell,
        }),
        SheetCell::Invalid { text, message } => json!({
            CELL_ERROR_KEY: message, "value": text, "cell": null,
        }),
    }
}
