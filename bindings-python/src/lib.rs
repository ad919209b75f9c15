//! The native half of the `kapture_crm` Python package. Thin: it converts at
//! the edge (`convert`), calls the Rust core, and maps errors (`error`). The
//! public API and the exception classes live in the Python package.

mod aio;
mod bulk;
mod client;
mod convert;
mod error;
mod log;
mod rows;
mod runtime;
mod sandbox;
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
    let request = convert::request(request).into_py_result()?;
    let value = serde_json::to_value(&request)
        .map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(e.to_string()))?;
    convert::to_python(py, &value)
}

/// `to_wire` through the untyped path only: the tests check that the fast
/// path (`typed.rs`) says exactly what it says. Not API.
#[pyfunction]
fn _to_wire_untyped<'py>(
    py: Python<'py>,
    request: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    if request.cast::<pyo3::types::PyDict>().is_err() {
        return to_wire(py, request);
    }
    let request = convert::untyped_request(request).into_py_result()?;
    let value = serde_json::to_value(&request)
        .map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(e.to_string()))?;
    convert::to_python(py, &value)
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    log::install();
    m.add_class::<client::NativeClient>()?;
    m.add_class::<bulk::BulkRun>()?;
    m.add_class::<sandbox::NativeSandbox>()?;
    m.add_function(wrap_pyfunction!(validate, m)?)?;
    m.add_function(wrap_pyfunction!(to_wire, m)?)?;
    m.add_function(wrap_pyfunction!(_to_wire_untyped, m)?)?;
    m.add_function(wrap_pyfunction!(rows::from_row, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("ERROR_CODES", kapture_crm::ERROR_CODES.to_vec())?;
    Ok(())
}
