//! Flat rows (a spreadsheet line, a pandas record, a JS object of columns)
//! into requests: the one row mapper behind `kapture import`, Python's
//! `from_row` / `add_customers` and Node's `fromRow` / `addCustomers`.
//!
//! Headers are matched once per header row ([`headers`]); each cell is then
//! trimmed (no-break spaces too), left out when empty, and converted for its
//! field: yes/no for true/false fields, a `date_format` for dates, a JSON
//! object for `additional_fields`. A phone that arrived as a decimal number
//! is refused (it may have lost digits). A contact filled from the row but
//! given neither phone nor email gets the customer's, as the vendor's own
//! example does. What cannot be converted is reported with the rest of the
//! request's problems, each naming its column.

pub mod dates;
pub mod dialect;
pub mod file;
pub mod headers;
pub mod options;
pub mod reader;
pub mod scan;
mod tree;
pub mod workbook;

use serde_json::{Map, Value};

use crate::error::{Error, FieldError};
use crate::fields::{is_bool_field, is_object_field};
use crate::model::AddCustomerRequest;
use crate::parse::request_from_json_reporting;
use crate::text::quote;

pub use dates::{DateFormat, DateTime};
pub use headers::{ALIASES, Column, Segment};
pub use options::RowOptions;
use tree::{fill_contacts, insert};

use crate::fields::SECTIONS;

/// One cell: JSON (`null` = empty; a string is trimmed) or a calendar date
/// a binding recognised (a Python `datetime`, a pandas `Timestamp`).
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Json(Value),
    Date(DateTime),
    /// A cell that cannot be read (a workbook's `#N/A`): the row fails
    /// with this message, at the cell's column.
    Error(String),
}

/// The key of the JSON object that stands for an error cell where rows
/// travel as JSON (Node's `CellError`): `{"$kaptureCellError": message,
/// "value": "#N/A", "cell": "C7"}`; the message is why its row fails.
pub const CELL_ERROR_KEY: &str = "$kaptureCellError";

impl Cell {
    /// A JSON value as a cell: the error-cell object above as
    /// [`Cell::Error`], anything else as it is.
    pub fn from_json(value: Value) -> Cell {
        if let Value::Object(map) = &value
            && let Some(Value::String(message)) = map.get(CELL_ERROR_KEY)
        {
            return Cell::Error(message.clone());
        }
        Cell::Json(value)
    }
}

impl From<Value> for Cell {
    fn from(value: Value) -> Self {
        Cell::Json(value)
    }
}

impl From<&str> for Cell {
    fn from(text: &str) -> Self {
        Cell::Json(Value::String(text.into()))
    }
}

/// Surrounding whitespace off, Unicode's (no-break spaces included) plus
/// the zero-width space and a stray byte-order mark.
pub fn trim(text: &str) -> &str {
    text.trim_matches(|c: char| c.is_whitespace() || matches!(c, '\u{200b}' | '\u{feff}'))
}

/// True when every cell of a row is empty (`null`, or text of only spaces):
/// a spacer or cleared row, which has nothing to send.
pub fn is_blank_row(row: &[(String, Cell)]) -> bool {
    row.iter().all(|(_, cell)| match cell {
        Cell::Json(Value::Null) => true,
        Cell::Json(Value::String(text)) => trim(text).is_empty(),
        _ => false,
    })
}

/// True when a record is already in the vendor's shape (a key is a section
/// name): it is used as it is, not mapped as a flat row.
pub fn is_sectioned<'a>(mut keys: impl Iterator<Item = &'a str>) -> bool {
    keys.any(|key| SECTIONS.contains(&key))
}

/// True when a record with these keys is a flat row (column -> value) for
/// the row mapper: it has keys, and none is a section name. The one rule for
/// every front end's bulk records.
pub fn is_flat_row<K: AsRef<str>>(keys: impl IntoIterator<Item = K>) -> bool {
    let mut any = false;
    for key in keys {
        if SECTIONS.contains(&key.as_ref()) {
            return false;
        }
        any = true;
    }
    any
}

/// A value given where a row was expected: `got` says what it was.
pub fn not_a_row(got: &str) -> Error {
    Error::Validation(vec![FieldError::new(
        "",
        format!(
            "expected a row: a mapping of column -> value (a dict, a pandas Series, an object), got {got}"
        ),
    )])
}

/// Fields whose text is a phone number: a decimal number there has lost
/// its digits (or may have).
const PHONE_FIELDS: [&str; 3] = ["phone", "contact_person_phone", "additional_contact_phone"];
/// Fields `date_format` applies to, and whether they carry a time.
const DATE_FIELDS: [(&str, bool); 2] = [("dob", false), ("next_follow_up_date", true)];

/// The columns of one header row, ready to map any number of rows.
#[derive(Debug, Clone)]
pub struct RowMapper {
    headers: Vec<String>,
    columns: Vec<Option<Column>>,
    date_format: Option<DateFormat>,
}

impl RowMapper {
    /// `Err` is [`Error::Validation`]: one problem per header that matches
    /// nothing (its path is the header) or fills a field another one fills,
    /// and a `date_format` that is not understood.
    pub fn new(headers: &[String], options: &RowOptions) -> Result<RowMapper, Error> {
        let mut problems = Vec::new();
        let date_format = match options.date_format.as_deref().map(DateFormat::parse) {
            Some(Ok(format)) => Some(format),
            Some(Err(problem)) => {
                problems.push(FieldError::new("date_format", problem));
                None
            }
            None => None,
        };
        let columns = match headers::columns(headers, &options.columns, &options.ignore) {
            Ok(columns) => columns,
            Err(more) => {
                problems.extend(more);
                Vec::new()
            }
        };
        if problems.is_empty() {
            Ok(RowMapper {
                headers: headers.to_vec(),
                columns,
                date_format,
            })
        } else {
            Err(Error::Validation(problems))
        }
    }

    /// The header row it was built from.
    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    /// Where each header goes (`None`: not data).
    pub fn columns(&self) -> &[Option<Column>] {
        &self.columns
    }

    /// The request of one row, cells in header order: every problem of the
    /// row at once, each naming its column.
    pub fn request(&self, cells: Vec<Cell>) -> Result<AddCustomerRequest, Error> {
        let (value, problems) = self.to_json(cells);
        request_from_json_reporting(&value, problems).map_err(|error| match error {
            Error::Validation(problems) => Error::Validation(self.name_columns(problems)),
            other => other,
        })
    }

    /// The vendor-shaped JSON of one row and the problems met building it
    /// (their fields are left out of the JSON).
    pub fn to_json(&self, cells: Vec<Cell>) -> (Value, Vec<FieldError>) {
        let mut problems = Vec::new();
        if cells.len() != self.columns.len() {
            problems.push(FieldError::new(
                "",
                format!(
                    "the row has {} fields, the header has {}",
                    cells.len(),
                    self.columns.len()
                ),
            ));
        }
        let mut root = Value::Object(Map::new());
        for (column, cell) in self.columns.iter().zip(cells) {
            let Some(column) = column else { continue };
            match self.cell(column, cell) {
                Ok(Some(value)) => insert(&mut root, &column.path, value),
                Ok(None) => {}
                Err(problem) => problems.push(FieldError::new(column.error_path(), problem)),
            }
        }
        fill_contacts(&mut root);
        (root, problems)
    }

    /// One cell for its column: `Ok(None)` leaves the field out.
    fn cell(&self, column: &Column, cell: Cell) -> Result<Option<Value>, String> {
        let (section, field) = (column.section, column.field.as_str());
        let date_field = DATE_FIELDS.iter().find(|(f, _)| *f == field);
        let value = match cell {
            Cell::Date(date) => {
                return match date_field {
                    Some((_, with_time)) => date_for(date, *with_time, column).map(Some),
                    // Another field takes the date as text, its time too.
                    None => Ok(Some(Value::String(date.vendor_text(true)))),
                };
            }
            Cell::Json(value) => value,
            Cell::Error(message) => return Err(message),
        };
        let text = match value {
            Value::Null => return Ok(None),
            Value::String(text) => text,
            Value::Number(n) if !(n.is_i64() || n.is_u64()) && PHONE_FIELDS.contains(&field) => {
                return Err(format!(
                    "column {:?} holds the decimal number {n}: the phone was read as a number \
                     and may have lost digits; read the column as text (pandas: \
                     dtype={{{:?}: str}})",
                    column.header, column.header
                ));
            }
            other => return Ok(Some(other)),
        };
        let text = trim(&text);
        if text.is_empty() {
            return Ok(None);
        }
        if PHONE_FIELDS.contains(&field) && saved_as_a_number(text) {
            return Err(format!(
                "column {:?} holds {text}: the phone was saved as a number (the spreadsheet \
                 added \".0\" and may have lost digits); save the column as text",
                column.header
            ));
        }
        if is_bool_field(section, field) {
            return Ok(Some(match text.to_ascii_lowercase().as_str() {
                "true" | "yes" | "y" | "1" => Value::Bool(true),
                "false" | "no" | "n" | "0" => Value::Bool(false),
                _ => Value::String(text.into()),
            }));
        }
        if is_object_field(section, field) && column.path.len() == 2 {
            // The whole `additional_fields` object as JSON text.
            return Ok(Some(
                serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.into())),
            ));
        }
        if let (Some((_, with_time)), None) = (date_field, &self.date_format)
            && let Some(date) = dates::iso_date_time(text)
        {
            // `1990-02-28 00:00:00`, as pandas and openpyxl write a date.
            return date_for(date, *with_time, column).map(Some);
        }
        if let (Some((_, with_time)), Some(format)) = (date_field, &self.date_format) {
            return match format.read(text) {
                Some(date) => date_for(date, *with_time, column).map(Some),
                None => Err(format!(
                    "{} in column {:?} is not a date of the format {}",
                    quote(text),
                    column.header,
                    format.spec()
                )),
            };
        }
        Ok(Some(Value::String(text.into())))
    }

    /// Adds `(column "Mobile No")` to problems at a column's field that do
    /// not name it already.
    fn name_columns(&self, problems: Vec<FieldError>) -> Vec<FieldError> {
        problems
            .into_iter()
            .map(|mut problem| {
                let column = self
                    .columns
                    .iter()
                    .flatten()
                    .find(|c| c.error_path() == problem.path);
                if let Some(column) = column {
                    let named = format!("column {:?}", column.header);
                    if !problem.message.contains(&named) {
                        problem.message = format!("{} ({named})", problem.message);
                    }
                }
                problem
            })
            .collect()
    }
}

/// Checks the header every row of a run shares (a DataFrame's columns, a
/// file read by `read_rows`), before any row is read or sent: a header
/// problem is then one error for the run, not one per row.
pub fn check_header(headers: &[String], options: &RowOptions) -> Result<(), Error> {
    RowMapper::new(headers, options).map(drop)
}

/// A flat row as (header, cell) pairs: `from_row` of the bindings.
pub fn from_row(
    row: Vec<(String, Cell)>,
    options: &RowOptions,
) -> Result<AddCustomerRequest, Error> {
    let (headers, cells): (Vec<String>, Vec<Cell>) = row.into_iter().unzip();
    RowMapper::new(&headers, options)?.request(cells)
}

/// Rows one after another, the mapper rebuilt only when the headers change
/// (records of a list usually share their keys).
#[derive(Debug, Default)]
pub struct RowReader {
    options: RowOptions,
    mapper: Option<RowMapper>,
}

impl RowReader {
    /// `Err` when the options themselves are wrong (a bad `date_format`),
    /// before any row.
    pub fn new(options: RowOptions) -> Result<RowReader, Error> {
        if let Some(Err(problem)) = options.date_format.as_deref().map(DateFormat::parse) {
            return Err(Error::Validation(vec![FieldError::new(
                "date_format",
                problem,
            )]));
        }
        Ok(RowReader {
            options,
            mapper: None,
        })
    }

    pub fn request(&mut self, row: Vec<(String, Cell)>) -> Result<AddCustomerRequest, Error> {
        self.request_reporting(row, Vec::new())
    }

    /// [`RowReader::request`] for a binding that met problems of its own
    /// converting the row's values (each at its header): reported with the
    /// rest.
    pub fn request_reporting(
        &mut self,
        row: Vec<(String, Cell)>,
        earlier: Vec<FieldError>,
    ) -> Result<AddCustomerRequest, Error> {
        let result = self.map(row);
        if earlier.is_empty() {
            return result;
        }
        let mut problems = earlier;
        if let Err(Error::Validation(more)) = result {
            problems.extend(more);
        }
        Err(Error::Validation(problems))
    }

    fn map(&mut self, row: Vec<(String, Cell)>) -> Result<AddCustomerRequest, Error> {
        let same = self.mapper.as_ref().is_some_and(|m| {
            m.headers().len() == row.len() && m.headers().iter().zip(&row).all(|(h, (k, _))| h == k)
        });
        let cells = if same {
            row.into_iter().map(|(_, cell)| cell).collect()
        } else {
            let (headers, cells): (Vec<String>, Vec<Cell>) = row.into_iter().unzip();
            self.mapper = Some(RowMapper::new(&headers, &self.options)?);
            cells
        };
        match &self.mapper {
            Some(mapper) => mapper.request(cells),
            None => Err(Error::Internal {
                message: "row mapper missing".into(),
                outcome_unknown: false,
            }),
        }
    }
}

/// The records of a bulk run, from any binding: one in the vendor's shape
/// ([`is_sectioned`]) is used as it is; a flat one goes through a
/// [`RowReader`]. Shared by the threads that feed a run.
#[derive(Debug)]
pub struct Records {
    reader: std::sync::Mutex<RowReader>,
}

impl Records {
    /// `Err` when the options are wrong (a bad `date_format`).
    pub fn new(options: RowOptions) -> Result<Records, Error> {
        Ok(Records {
            reader: std::sync::Mutex::new(RowReader::new(options)?),
        })
    }

    /// A record as JSON: sectioned, flat (an object of column -> value), or
    /// anything else (refused by the request's own checks).
    pub fn json(&self, value: Value) -> Result<AddCustomerRequest, Error> {
        match value {
            Value::Object(map) if is_flat_row(map.keys()) => self.row(
                map.into_iter()
                    .map(|(k, v)| (k, Cell::from_json(v)))
                    .collect(),
                Vec::new(),
            ),
            other => AddCustomerRequest::from_json(&other),
        }
    }

    /// [`Records::json`] for JSON text (Node's records): a request already
    /// in the vendor's exact types is read straight into the typed request
    /// (no untyped tree: such a text is always sectioned); anything else is
    /// parsed and taken as `json` takes it.
    pub fn json_text(&self, text: &str) -> Result<AddCustomerRequest, Error> {
        crate::parse::typed_request_from_json_text(text)
            .unwrap_or_else(|| self.json(crate::parse::json_text(text)?))
    }

    /// A flat record, with the problems its binding met converting it; a
    /// blank one (every cell empty) is [`Error::BlankRow`], never sent.
    pub fn row(
        &self,
        row: Vec<(String, Cell)>,
        earlier: Vec<FieldError>,
    ) -> Result<AddCustomerRequest, Error> {
        if earlier.is_empty() && is_blank_row(&row) {
            return Err(Error::BlankRow);
        }
        let mut reader = crate::sync::lock(&self.reader);
        reader.request_reporting(row, earlier)
    }
}

/// A date for a date field: a date-time field keeps its time; a date-only
/// one takes a date-time at midnight as its date and refuses another time,
/// which it would lose.
fn date_for(date: DateTime, with_time: bool, column: &Column) -> Result<Value, String> {
    match date.time {
        Some(time) if !with_time && time != (0, 0, 0) => Err(format!(
            "column {:?} holds {}, a date and time; {} takes a date only (the time would be \
             lost)",
            column.header,
            date.vendor_text(true),
            column.field
        )),
        _ => Ok(Value::String(date.vendor_text(with_time))),
    }
}

/// `9845012345.0`: digits, then `.` and zeros, as a spreadsheet saves a
/// number.
fn saved_as_a_number(text: &str) -> bool {
    match text.split_once('.') {
        Some((digits, zeros)) => {
            digits.len() >= 5
                && digits.bytes().all(|b| b.is_ascii_digit())
                && !zeros.is_empty()
                && zeros.bytes().all(|b| b == b'0')
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_blank_record_of_a_bulk_run_is_a_blank_row_and_from_row_still_refuses_it() {
        let records = Records::new(RowOptions::default()).unwrap();
        let blank = serde_json::json!({"Name": null, "Phone": "  \u{a0}"});
        assert!(matches!(records.json(blank.clone()), Err(Error::BlankRow)));
        assert!(matches!(
            records.json_text(&blank.to_string()),
            Err(Error::BlankRow)
        ));
        // A cell with a value, or a problem met converting one, is not blank.
        let filled = serde_json::json!({"Name": "Asha", "Phone": ""});
        assert!(matches!(records.json(filled), Err(Error::Validation(_))));
        let problem = vec![FieldError::new("Phone", "not text")];
        let row = vec![("Phone".to_string(), Cell::Json(Value::Null))];
        assert!(matches!(
            records.row(row, problem),
            Err(Error::Validation(_))
        ));
        let mut reader = RowReader::new(RowOptions::default()).unwrap();
        let cells = vec![("Name".to_string(), Cell::Json(Value::Null))];
        assert!(matches!(reader.request(cells), Err(Error::Validation(_))));
    }
}
