//! The native half of the `kapture_crm` Python package. Thin: it converts at
//! the edge (`convert`), calls the Rust core, and maps errors (`error`). The
//! public API and the exception classes live in the Python package.

mod aio;
mod bulk;
mod call;
mod client;
mod convert;
mod error;
mod interrupt;
mod log;
mod read;
mod reply;
mod rows;
mod sandbox;
#[cfg(feature = "testing")]
mod testing;
mod typed;

use pyo3::prelude::*;

use crate::error::IntoPyResult;

/// Checks a request without sending it; raises ValidationError.
#[pyfunction]
fn validate(request: &Bound<'_, PyAny>) -> PyResult<()> {
    convert::request(request).into_py_result().map(drop)
}

/// The request as it would go on the wire (every documented field filled).
#[pyfunction]
fn to_wire<'py>(py: Python<'py>, request: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    wire_object(
        py,
        convert::request(request).map(kapture_crm::CheckedRequest::into_request),
    )
}

/// A converted request's wire form as Python objects.
pub(crate) fn wire_object<'py>(
    py: Python<'py>,
    request: Result<kapture_crm::AddCustomerRequest, kapture_crm::Error>,
) -> PyResult<Bound<'py, PyAny>> {
    let value = serde_json::to_value(request.into_py_result()?)
        .map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(e.to_string()))?;
    convert::to_python(py, &value)
}

/// A file's row as a journaled run keys it when given no key (core rule).
#[pyfunction]
#[pyo3(signature = (sheet, row))]
fn row_key(sheet: Option<&str>, row: u64) -> String {
    kapture_crm::resume::row_key(sheet, row)
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    log::install();
    m.add_class::<client::NativeClient>()?;
    m.add_class::<bulk::BulkRun>()?;
    m.add_class::<sandbox::NativeSandbox>()?;
    m.add_function(wrap_pyfunction!(validate, m)?)?;
    m.add_function(wrap_pyfunction!(to_wire, m)?)?;
    m.add_function(wrap_pyfunction!(row_key, m)?)?;
    m.add_function(wrap_pyfunction!(rows::from_row, m)?)?;
    m.add_function(wrap_pyfunction!(rows::check_header, m)?)?;
    m.add_function(wrap_pyfunction!(rows::check_records_header, m)?)?;
    m.add_function(wrap_pyfunction!(read::read_rows, m)?)?;
    m.add_class::<read::FileRows>()?;
    m.add_class::<read::CellError>()?;
    m.add_class::<bulk::BlankRow>()?;
    m.add("BLANK", bulk::blank(m.py())?)?;
    m.add_function(wrap_pyfunction!(log::_log_level_from_env, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("ERROR_CODES", kapture_crm::ERROR_CODES.to_vec())?;
    m.add("ERROR_CLASSES", kapture_crm::ERROR_CLASSES.to_vec())?;
    #[cfg(feature = "testing")]
    testing::register(m)?;
    Ok(())
}
