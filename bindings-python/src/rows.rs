//! Flat rows (spreadsheet records, pandas rows) through the core's row
//! mapper (`kapture_crm::rows`): `from_row`, and the records of a bulk run.

use kapture_crm::CheckedRequest;
use kapture_crm::rows::{Records, RowOptions, RowReader, is_flat_row};
use kapture_crm::{AddCustomerRequest, Error, FieldError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};
use serde_json::Value;

use crate::convert;
use crate::error::IntoPyResult;

/// `columns` (a dict of header -> field) and `date_format` as core options.
pub fn options(
    columns: Option<&Bound<'_, PyAny>>,
    date_format: Option<&Bound<'_, PyAny>>,
) -> Result<RowOptions, Error> {
    convert::guarded(|| options_unguarded(columns, date_format))
}

fn options_unguarded(
    columns: Option<&Bound<'_, PyAny>>,
    date_format: Option<&Bound<'_, PyAny>>,
) -> Result<RowOptions, Error> {
    let mut object = serde_json::Map::new();
    if let Some(columns) = columns.filter(|c| !c.is_none()) {
        let Ok(dict) = columns.cast::<PyDict>() else {
            return Err(invalid(
                "columns",
                "expected a mapping of header -> field name (or None to skip the column)",
            ));
        };
        let mut map = serde_json::Map::new();
        for (from, to) in dict.iter() {
            let Ok(from) = from.cast::<PyString>() else {
                return Err(invalid("columns", "keys must be headers (strings)"));
            };
            let to = match to.cast::<PyString>() {
                Ok(to) => Value::String(to.to_string_lossy().into_owned()),
                Err(_) if to.is_none() => Value::Null,
                // Anything else is refused by the core's rule, as it is.
                Err(_) => {
                    let mut problems = Vec::new();
                    convert::to_json(&to, "columns", &mut problems)
                }
            };
            map.insert(from.to_string_lossy().into_owned(), to);
        }
        object.insert("columns".into(), Value::Object(map));
    }
    if let Some(formats) = date_format.filter(|f| !f.is_none()) {
        // A str, or a list of them: the core's rule checks which.
        let mut problems = Vec::new();
        let formats = convert::to_json(formats, "date_format", &mut problems);
        if !problems.is_empty() {
            return Err(Error::Validation(problems));
        }
        object.insert("date_format".into(), formats);
    }
    RowOptions::from_json(&Value::Object(object))
}

fn invalid(path: &str, message: &str) -> Error {
    Error::Validation(vec![FieldError::new(path, message)])
}

/// A bulk run's record into a request, by the core's rules: a dict in the
/// vendor's shape as it is (converted as a request), a flat one (or a
/// pandas Series) through the row mapper.
pub fn record(records: &Records, record: &Bound<'_, PyAny>) -> Result<AddCustomerRequest, Error> {
    convert::guarded(|| record_unguarded(records, record))
}

/// A dict key as the core's row rules read it: its text, read in place
/// (not copied: this runs for every key of every bulk record); a key that
/// is not text reads as "", which is no section name.
struct Key<'py>(Bound<'py, PyAny>);

impl AsRef<str> for Key<'_> {
    fn as_ref(&self) -> &str {
        self.0
            .cast::<PyString>()
            .ok()
            .and_then(|k| k.to_str().ok())
            .unwrap_or("")
    }
}

fn record_unguarded(
    records: &Records,
    record: &Bound<'_, PyAny>,
) -> Result<AddCustomerRequest, Error> {
    let flat = match record.cast::<PyDict>() {
        Ok(dict) => {
            // Per record on a bulk run: the keys are looked at, not copied
            // (a key that is not text is no section name).
            is_flat_row(dict.keys().iter().map(Key))
        }
        // A pandas Series is a row; anything else is refused by the
        // request converter, its type named.
        Err(_) => {
            record.hasattr("items").unwrap_or(false) && record.hasattr("index").unwrap_or(false)
        }
    };
    if !flat {
        return convert::request(record).map(CheckedRequest::into_request);
    }
    let (cells, problems) = convert::row_cells(record)?;
    records.row(cells, problems)
}

/// `kapture_crm.from_row`: one flat row into a request, validated; returns
/// the request as it would go on the wire.
#[pyfunction]
#[pyo3(signature = (row, columns=None, date_format=None))]
pub fn from_row<'py>(
    py: Python<'py>,
    row: &Bound<'py, PyAny>,
    columns: Option<&Bound<'py, PyAny>>,
    date_format: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    let options = options(columns, date_format).into_py_result()?;
    let (cells, problems) = convert::row_cells(row).into_py_result()?;
    let request = RowReader::new(options)
        .and_then(|mut reader| reader.request_reporting(cells, problems))
        .into_py_result()?;
    let value = serde_json::to_value(&request)
        .map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(e.to_string()))?;
    convert::to_python(py, &value)
}

/// The header every row of a run shares, checked before the run starts
/// (`kapture_crm::rows::check_header`): raises ValidationError once.
#[pyfunction]
#[pyo3(signature = (headers, columns=None, date_format=None))]
pub fn check_header(
    headers: Vec<String>,
    columns: Option<&Bound<'_, PyAny>>,
    date_format: Option<&Bound<'_, PyAny>>,
) -> PyResult<()> {
    let options = options(columns, date_format).into_py_result()?;
    kapture_crm::rows::check_header(&headers, &options).into_py_result()
}

/// The keys of records given one by one (a list of dicts), checked as one
/// header when every record has the same (`check_records_header`).
#[pyfunction]
#[pyo3(signature = (keys, columns=None, date_format=None))]
pub fn check_records_header(
    keys: Vec<Vec<String>>,
    columns: Option<&Bound<'_, PyAny>>,
    date_format: Option<&Bound<'_, PyAny>>,
) -> PyResult<()> {
    let options = options(columns, date_format).into_py_result()?;
    kapture_crm::rows::check_records_header(&keys, &options).into_py_result()
}
