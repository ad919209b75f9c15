//! How rows are read, the same options in every front end, and the one
//! rule for reading them from the bindings' JSON.

use serde_json::Value;

use crate::error::{Error, FieldError};

/// How rows are read: the same options in every front end.
#[derive(Debug, Clone, Default)]
pub struct RowOptions {
    /// Header -> field renames (`"Mobile No" -> "phone"`); the field is
    /// matched like a header, so `dob` finds `contact_info.0.dob`.
    pub columns: Vec<(String, String)>,
    /// `strftime`-style layouts of the date cells (`%d/%m/%Y`), tried in
    /// order, each column keeping the first that reads it; `dob=%d/%m/%Y`
    /// gives one field its own.
    pub date_formats: Vec<String>,
    /// Headers that are not data (the CLI's failures file adds `row` and
    /// `error`); compared ignoring case.
    pub ignore: Vec<String>,
    /// A workbook's sheet: its name, or its position from 1 (`None`: the
    /// first).
    pub sheet: Option<String>,
    /// A workbook's header row, as the sheet numbers it (`None`: found).
    pub header_row: Option<u64>,
}

impl RowOptions {
    /// The options as the bindings receive them, one JSON object:
    /// `columns` (header -> field name, or `null` to skip the column),
    /// `date_format`, and a workbook's `sheet` (a name, or a position from
    /// 1) and `header_row`. A missing or `null` key is the default.
    pub fn from_json(value: &Value) -> Result<RowOptions, Error> {
        let invalid =
            |path: &str, message: &str| Error::Validation(vec![FieldError::new(path, message)]);
        let mut options = RowOptions::default();
        match value.get("columns").unwrap_or(&Value::Null) {
            Value::Null => {}
            Value::Object(map) => {
                for (from, to) in map {
                    match to {
                        Value::String(to) => options.columns.push((from.clone(), to.clone())),
                        Value::Null => options.ignore.push(from.clone()),
                        _ => {
                            return Err(invalid(
                                "columns",
                                "values must be field names (strings), or null to skip a column",
                            ));
                        }
                    }
                }
            }
            _ => {
                return Err(invalid(
                    "columns",
                    "expected a mapping of header -> field name (or null to skip the column)",
                ));
            }
        }
        let formats_expected = "expected a format such as \"%d/%m/%Y\" (or \"dob=%d/%m/%Y\"), \
                                or a list of them";
        match value.get("date_format").unwrap_or(&Value::Null) {
            Value::Null => {}
            Value::String(format) => options.date_formats.push(format.clone()),
            Value::Array(formats) => {
                for format in formats {
                    match format {
                        Value::String(format) => options.date_formats.push(format.clone()),
                        _ => return Err(invalid("date_format", formats_expected)),
                    }
                }
            }
            _ => return Err(invalid("date_format", formats_expected)),
        }
        match value.get("sheet").unwrap_or(&Value::Null) {
            Value::Null => {}
            Value::String(name) => options.sheet = Some(name.clone()),
            Value::Number(n) if n.as_u64().is_some_and(|n| n >= 1) => {
                options.sheet = Some(n.to_string());
            }
            _ => {
                return Err(invalid(
                    "sheet",
                    "expected a sheet's name or its position from 1",
                ));
            }
        }
        match value.get("header_row").unwrap_or(&Value::Null) {
            Value::Null => {}
            Value::Number(n) if n.as_u64().is_some_and(|n| n >= 1) => {
                options.header_row = n.as_u64();
            }
            _ => {
                return Err(invalid(
                    "header_row",
                    "expected the header's row number in the sheet, from 1",
                ));
            }
        }
        Ok(options)
    }
}
