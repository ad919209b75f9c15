//! `read_rows`: a file's rows through the core's reader
//! (`kapture_crm::rows::reader`), each cell converted to the Python value
//! of its type. The `Row` mapping around them is `kapture_crm._read`.

use std::sync::Mutex;

use kapture_crm::rows::DateTime;
use kapture_crm::rows::reader::{RawCells, RawRows, ReadError};
use kapture_crm::rows::workbook::{SheetCell, cell_error_message};
use pyo3::exceptions::{PyFileNotFoundError, PyOSError, PyPermissionError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyList, PyString};

use crate::error::IntoPyResult;

/// A cell that holds an error (`#N/A`, `#REF!`), or a CSV cell that could
/// not be read: a row holding one fails with `message` when it is mapped
/// (`from_row`, `add_customers`), alone.
#[pyclass(frozen, module = "kapture_crm", eq)]
#[derive(PartialEq)]
pub struct CellError {
    /// What the cell shows (`#N/A`).
    #[pyo3(get)]
    value: String,
    /// Where it is (`C7`), when the file names cells.
    #[pyo3(get)]
    cell: Option<String>,
    /// Why its row fails.
    #[pyo3(get)]
    message: String,
}

#[pymethods]
impl CellError {
    fn __str__(&self) -> &str {
        &self.value
    }

    fn __repr__(&self) -> String {
        match &self.cell {
            Some(cell) => format!("CellError({:?}, cell={cell:?})", self.value),
            None => format!("CellError({:?})", self.value),
        }
    }
}

impl CellError {
    pub fn message(&self) -> &str {
        &self.message
    }
}

/// The rows of a file, as `read_rows` gives them to `kapture_crm._read`:
/// `(number, values)` with one value per named column, or `(number, dict)`
/// for a JSON line.
#[pyclass(module = "kapture_crm._native")]
pub struct FileRows {
    rows: Mutex<RawRows>,
    /// The indexes of the columns that have a header (an unnamed column is
    /// not data, as the row mapper skips it).
    named: Vec<usize>,
    #[pyo3(get)]
    headers: Vec<String>,
    #[pyo3(get)]
    sheet: Option<String>,
    #[pyo3(get)]
    sheets: Vec<String>,
    #[pyo3(get)]
    header_row: Option<u64>,
}

#[pymethods]
impl FileRows {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__<'py>(&self, py: Python<'py>) -> PyResult<Option<(u64, Bound<'py, PyAny>)>> {
        let next = {
            let mut rows = self.rows.lock().unwrap_or_else(|p| p.into_inner());
            rows.next()
        };
        let Some(row) = next else { return Ok(None) };
        let row = row.map_err(read_error)?;
        let values = match row.cells {
            RawCells::Columns(cells) => {
                let list = PyList::empty(py);
                for &i in &self.named {
                    match cells.get(i) {
                        Some(cell) => list.append(value(py, cell)?)?,
                        None => list.append(py.None())?,
                    }
                }
                list.into_any()
            }
            RawCells::Json(json) => crate::convert::to_python(py, &json)?,
        };
        Ok(Some((row.number, values)))
    }
}

/// Opens `path` (a str) for `kapture_crm.read_rows`.
#[pyfunction]
#[pyo3(signature = (path, sheet=None, header_row=None))]
pub fn read_rows(
    path: &str,
    sheet: Option<&Bound<'_, PyAny>>,
    header_row: Option<&Bound<'_, PyAny>>,
) -> PyResult<FileRows> {
    // Checked by the core's one options rule, as every front end's are.
    let mut options = serde_json::Map::new();
    let mut problems = Vec::new();
    if let Some(sheet) = sheet.filter(|s| !s.is_none()) {
        let sheet = crate::convert::to_json(sheet, "sheet", &mut problems);
        options.insert("sheet".into(), sheet);
    }
    if let Some(row) = header_row.filter(|r| !r.is_none()) {
        let row = crate::convert::to_json(row, "header_row", &mut problems);
        options.insert("header_row".into(), row);
    }
    if !problems.is_empty() {
        return Err(crate::error::to_pyerr(kapture_crm::Error::Validation(
            problems,
        )));
    }
    let options = kapture_crm::rows::RowOptions::from_json(&serde_json::Value::Object(options))
        .into_py_result()?;
    let rows = kapture_crm::rows::reader::read(std::path::Path::new(path), &options)
        .map_err(read_error)?;
    let named: Vec<usize> = (0..rows.headers.len())
        .filter(|&i| !kapture_crm::rows::trim(&rows.headers[i]).is_empty())
        .collect();
    let headers = named.iter().map(|&i| rows.headers[i].clone()).collect();
    let read = rows.sheet.clone();
    Ok(FileRows {
        rows: Mutex::new(rows),
        named,
        headers,
        sheet: read.as_ref().map(|s| s.name.clone()),
        sheets: read.as_ref().map(|s| s.names.clone()).unwrap_or_default(),
        header_row: read.map(|s| s.header_row),
    })
}

fn read_error(error: ReadError) -> PyErr {
    match error {
        ReadError::Io {
            path,
            kind,
            message,
        } => {
            let text = format!("{path}: {message}");
            match kind {
                std::io::ErrorKind::NotFound => PyFileNotFoundError::new_err(text),
                std::io::ErrorKind::PermissionDenied => PyPermissionError::new_err(text),
                _ => PyOSError::new_err(text),
            }
        }
        ReadError::Invalid(error) => crate::error::to_pyerr(error),
    }
}

/// A cell as the Python value of its type.
fn value<'py>(py: Python<'py>, cell: &SheetCell) -> PyResult<Bound<'py, PyAny>> {
    Ok(match cell {
        SheetCell::Empty => py.None().into_bound(py),
        SheetCell::Text(text) | SheetCell::Time(text) => PyString::new(py, text).into_any(),
        SheetCell::Integer(n) => n.into_pyobject(py)?.into_any(),
        SheetCell::Number(f) => f.into_pyobject(py)?.into_any(),
        SheetCell::Bool(b) => b.into_pyobject(py)?.to_owned().into_any(),
        SheetCell::Date(date) => python_date(py, date)?,
        SheetCell::Error { value, cell } => Bound::new(
            py,
            CellError {
                value: value.clone(),
                cell: Some(cell.clone()),
                message: cell_error_message(value, cell),
            },
        )?
        .into_any(),
        SheetCell::Invalid { text, message } => Bound::new(
            py,
            CellError {
                value: text.clone(),
                cell: None,
                message: message.clone(),
            },
        )?
        .into_any(),
    })
}

/// `datetime.date`, or `datetime.datetime` for a cell with a time of day
/// (through the module: the limited API has no date types).
fn python_date<'py>(py: Python<'py>, date: &DateTime) -> PyResult<Bound<'py, PyAny>> {
    static DATE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    static DATETIME: PyOnceLock<Py<PyAny>> = PyOnceLock::new();
    let class = |cell: &'static PyOnceLock<Py<PyAny>>, name: &str| -> PyResult<Bound<'py, PyAny>> {
        cell.get_or_try_init(py, || {
            Ok::<_, PyErr>(py.import("datetime")?.getattr(name)?.unbind())
        })
        .map(|c| c.bind(py).clone())
    };
    match date.time {
        None => class(&DATE, "date")?.call1((date.year, date.month, date.day)),
        Some((h, m, s)) => {
            class(&DATETIME, "datetime")?.call1((date.year, date.month, date.day, h, m, s))
        }
    }
}
