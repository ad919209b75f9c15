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
mod mapper;
pub mod options;
pub mod reader;
pub mod scan;
mod tree;
pub mod workbook;

use serde_json::Value;

use crate::error::{Error, FieldError};
use crate::model::AddCustomerRequest;

pub use dates::{DateFormat, DateFormats, DateTime};
pub use headers::{ALIASES, Column, Segment};
pub use mapper::RowMapper;
use mapper::date_formats;
pub use options::RowOptions;

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

/// Checks the header every row of a run shares (a DataFrame's columns, a
/// file read by `read_rows`, the keys of a list of records that all have
/// the same), before any row is read or sent: a header problem is then one
/// error for the run, not one per row. Keys that are not a flat row's (a
/// request in the vendor's shape) pass: those records are requests.
pub fn check_header(headers: &[String], options: &RowOptions) -> Result<(), Error> {
    if !is_flat_row(headers) {
        return Ok(());
    }
    RowMapper::new(headers, options).map(drop)
}

/// [`check_header`] for records given one by one (a list of dicts, an array
/// of objects), by their keys: when every record has the same keys, they
/// share that header. Records whose keys differ keep one outcome each.
pub fn check_records_header(keys: &[Vec<String>], options: &RowOptions) -> Result<(), Error> {
    let Some(first) = keys.first().filter(|k| !k.is_empty()) else {
        return Ok(());
    };
    let sorted = |k: &[String]| {
        let mut k = k.to_vec();
        k.sort_unstable();
        k
    };
    let wanted = sorted(first);
    if keys
        .iter()
        .all(|k| k.len() == first.len() && sorted(k) == wanted)
    {
        check_header(first, options)
    } else {
        Ok(())
    }
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
        date_formats(&options).map_err(Error::Validation)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_share_a_header_only_when_every_one_has_the_same_keys() {
        let keys = |rows: &[&[&str]]| -> Vec<Vec<String>> {
            rows.iter()
                .map(|r| r.iter().map(|k| k.to_string()).collect())
                .collect()
        };
        let options = RowOptions::default();
        let same = keys(&[&["Name", "Region"], &["Region", "Name"]]);
        let Err(Error::Validation(problems)) = check_records_header(&same, &options) else {
            panic!("a shared refused header is one error")
        };
        assert_eq!(problems[0].path, "Region");
        let differ = keys(&[&["Name", "Region"], &["Name", "Phone"]]);
        assert!(check_records_header(&differ, &options).is_ok());
        let vendor = keys(&[&["customer_info"]]);
        assert!(check_records_header(&vendor, &options).is_ok());
        assert!(check_records_header(&[], &options).is_ok());
    }

    #[test]
    fn a_refused_customer_phone_is_reported_once_not_again_at_its_contact_copy() {
        let row = vec![
            ("Name".to_string(), Cell::from("Asha")),
            ("Phone".to_string(), Cell::from("12345")),
            ("DOB".to_string(), Cell::from("1990-02-28")),
        ];
        let Err(Error::Validation(problems)) = from_row(row, &RowOptions::default()) else {
            panic!("a 5-digit phone is refused")
        };
        let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(paths, ["customer_info.phone"], "{problems:?}");
        // A contact phone of its own, refused, is still reported.
        let row = vec![
            ("Name".to_string(), Cell::from("Asha")),
            ("Phone".to_string(), Cell::from("9845012345")),
            (
                "contact_info.0.contact_person_phone".to_string(),
                Cell::from("123"),
            ),
        ];
        let Err(Error::Validation(problems)) = from_row(row, &RowOptions::default()) else {
            panic!("a 3-digit contact phone is refused")
        };
        assert_eq!(
            problems[0].path, "contact_info[0].contact_person_phone",
            "{problems:?}"
        );
    }

    #[test]
    fn a_column_keeps_the_first_date_format_that_reads_it_and_refuses_a_cell_only_another_reads() {
        let options = RowOptions {
            date_formats: vec!["%m/%d/%Y".into(), "%d/%m/%Y".into()],
            ..RowOptions::default()
        };
        let headers = ["Name".to_string(), "Phone".to_string(), "DOB".to_string()];
        let mapper = RowMapper::new(&headers, &options).unwrap();
        let row = |dob: &str| -> Vec<Cell> { vec!["Asha".into(), "9845012345".into(), dob.into()] };
        // 03/04 reads both ways: the first format (month first) wins.
        let first = mapper.request(row("03/04/1990")).unwrap();
        assert_eq!(first.contact_info[0].dob, "1990-03-04");
        // 25/12 only day first reads: not in a month-first column.
        let err = mapper.request(row("25/12/1990")).unwrap_err().to_string();
        assert!(
            err.contains("\"25/12/1990\" in column \"DOB\" reads only as %d/%m/%Y, but the column's dates read as %m/%d/%Y"),
            "{err}"
        );
        assert_eq!(
            mapper.request(row("12/25/1990")).unwrap().contact_info[0].dob,
            "1990-12-25"
        );
        // Another mapper (another run) starts afresh.
        let fresh = RowMapper::new(&headers, &options).unwrap();
        assert_eq!(
            fresh.request(row("25/12/1990")).unwrap().contact_info[0].dob,
            "1990-12-25"
        );
    }

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
