//! The row mapper: a header row's columns, and each cell converted for its
//! field (the rules the module docs of `rows` list).

use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::{Map, Value};

use super::dates::{self, DateFormat, DateFormats, DateTime};
use super::headers::{self, Column};
use super::tree::{fill_contacts, insert};
use super::{Cell, RowOptions, trim};
use crate::error::{Error, FieldError};
use crate::fields::{is_bool_field, is_object_field};
use crate::model::AddCustomerRequest;
use crate::parse::request_from_json_reporting;
use crate::text::quote;

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
    date_formats: DateFormats,
    /// Per column, the date format it keeps (the first that read a cell of
    /// it): one column, one meaning of `03/04`.
    kept: Kept,
}

/// Per column, the index of the date format it keeps (`usize::MAX`: none
/// yet). Atomics: a mapper maps rows through `&self`.
#[derive(Debug, Default)]
struct Kept(Vec<AtomicUsize>);

impl Clone for Kept {
    fn clone(&self) -> Self {
        Kept(
            self.0
                .iter()
                .map(|k| AtomicUsize::new(k.load(Ordering::Relaxed)))
                .collect(),
        )
    }
}

/// The date fields' names, for a format given to one of them.
fn date_field_names() -> Vec<&'static str> {
    DATE_FIELDS.iter().map(|(field, _)| *field).collect()
}

/// The run's date formats, or their problems at `date_format`.
pub(super) fn date_formats(options: &RowOptions) -> Result<DateFormats, Vec<FieldError>> {
    DateFormats::parse(&options.date_formats, &date_field_names()).map_err(|problems| {
        problems
            .into_iter()
            .map(|p| FieldError::new("date_format", p))
            .collect()
    })
}

impl RowMapper {
    /// `Err` is [`Error::Validation`]: one problem per header that matches
    /// nothing (its path is the header) or fills a field another one fills,
    /// and a `date_format` that is not understood.
    pub fn new(headers: &[String], options: &RowOptions) -> Result<RowMapper, Error> {
        let mut problems = Vec::new();
        let date_formats = date_formats(options).unwrap_or_else(|more| {
            problems.extend(more);
            DateFormats::default()
        });
        let columns = match headers::columns(headers, &options.columns, &options.ignore) {
            Ok(columns) => columns,
            Err(more) => {
                problems.extend(more);
                Vec::new()
            }
        };
        if problems.is_empty() {
            let kept = Kept(
                (0..columns.len())
                    .map(|_| AtomicUsize::new(usize::MAX))
                    .collect(),
            );
            Ok(RowMapper {
                headers: headers.to_vec(),
                columns,
                date_formats,
                kept,
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
            Error::Validation(problems) => {
                Error::Validation(self.name_columns(once_per_value(problems, &value)))
            }
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
        for (index, (column, cell)) in self.columns.iter().zip(cells).enumerate() {
            let Some(column) = column else { continue };
            match self.cell(index, column, cell) {
                Ok(Some(value)) => insert(&mut root, &column.path, value),
                Ok(None) => {}
                Err(problem) => problems.push(FieldError::new(column.error_path(), problem)),
            }
        }
        fill_contacts(&mut root);
        (root, problems)
    }

    /// One cell for its column: `Ok(None)` leaves the field out.
    fn cell(&self, index: usize, column: &Column, cell: Cell) -> Result<Option<Value>, String> {
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
        if let Some((_, with_time)) = date_field {
            let formats = self.date_formats.for_field(field);
            if formats.is_empty() {
                return match dates::iso_date_time(text) {
                    // `1990-02-28 00:00:00`, as pandas and openpyxl write a date.
                    Some(date) => date_for(date, *with_time, column).map(Some),
                    None => Ok(Some(Value::String(text.into()))),
                };
            }
            let date = self.read_date(index, &formats, text, column)?;
            return date_for(date, *with_time, column).map(Some);
        }
        Ok(Some(Value::String(text.into())))
    }

    /// A date cell by the column's formats: the one the column keeps, or
    /// (the first date of the column) the first that reads it, which the
    /// column then keeps. A cell only another format reads is refused: one
    /// column, one meaning of `03/04`.
    fn read_date(
        &self,
        index: usize,
        formats: &[&DateFormat],
        text: &str,
        column: &Column,
    ) -> Result<DateTime, String> {
        let reads = |i: usize| formats.get(i).and_then(|f| f.read_with_time(text));
        let kept = self.kept.0.get(index);
        let current = kept.map_or(usize::MAX, |k| k.load(Ordering::Relaxed));
        if let Some(date) = reads(current) {
            return Ok(date);
        }
        let first = (0..formats.len()).find(|&i| reads(i).is_some());
        match (first, current) {
            (Some(i), usize::MAX) => {
                // Another thread may have chosen first: keep its choice.
                let chosen = kept.map_or(i, |k| {
                    match k.compare_exchange(usize::MAX, i, Ordering::Relaxed, Ordering::Relaxed) {
                        Ok(_) => i,
                        Err(other) => other,
                    }
                });
                reads(chosen).ok_or_else(|| self.other_format(formats, chosen, i, text, column))
            }
            (Some(i), kept) => Err(self.other_format(formats, kept, i, text, column)),
            (None, _) => Err(format!(
                "{} in column {:?} is not a date of the format {}",
                quote(text),
                column.header,
                formats
                    .iter()
                    .map(|f| f.spec())
                    .collect::<Vec<_>>()
                    .join(" or ")
            )),
        }
    }

    fn other_format(
        &self,
        formats: &[&DateFormat],
        kept: usize,
        reading: usize,
        text: &str,
        column: &Column,
    ) -> String {
        let spec = |i: usize| formats.get(i).map_or("", |f| f.spec());
        format!(
            "{} in column {:?} reads only as {}, but the column's dates read as {}; one column \
             takes one format (03/04 must not mean two dates)",
            quote(text),
            column.header,
            spec(reading),
            spec(kept)
        )
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

/// Problems less those at a contact's phone or email that holds the
/// customer's own (the copy `fill_contacts` made, or the same text typed
/// twice): a refused phone is reported once, at the customer.
fn once_per_value(problems: Vec<FieldError>, value: &Value) -> Vec<FieldError> {
    let said = |path: &str| problems.iter().any(|p| p.path == path);
    let copies: Vec<String> = [
        ("phone", "contact_person_phone"),
        ("email_id", "contact_person_email"),
    ]
    .iter()
    .filter(|(own, _)| said(&format!("customer_info.{own}")))
    .flat_map(|(own, contact_key)| {
        let customer = value["customer_info"].get(*own);
        value["contact_info"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
            .filter(move |(_, contact)| customer.is_some() && contact.get(*contact_key) == customer)
            .map(move |(i, _)| format!("contact_info[{i}].{contact_key}"))
    })
    .collect();
    problems
        .into_iter()
        .filter(|p| !copies.contains(&p.path))
        .collect()
}
