//! Core errors as the Python exceptions of `kapture_crm._errors`.
//!
//! The classes are plain Python (so they pickle and carry attributes); the
//! class is chosen there, by the core's `Error::class()` (`_errors.BY_CLASS`),
//! so this file only gathers the attributes.

use kapture_crm::Error;
use pyo3::exceptions::{PyKeyboardInterrupt, PyRuntimeError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

/// The exception instance for `error`, not raised (bulk results carry it).
pub fn exception<'py>(py: Python<'py>, error: &Error) -> Bound<'py, PyAny> {
    let raised = match build(py, error) {
        Ok(exception) => return exception,
        Err(raised) => raised,
    };
    // The class's `__init__` is Python code, where a pending Ctrl-C is
    // raised: the outcome is still this error, and the interrupt is
    // delivered again, to be raised where the caller's code runs next.
    if raised.is_instance_of::<PyKeyboardInterrupt>(py) {
        // SAFETY: called with the GIL held; it only sets the flag a SIGINT sets.
        unsafe { pyo3::ffi::PyErr_SetInterrupt() };
        if let Ok(exception) = build(py, error) {
            return exception;
        }
    }
    // Only when the package's own classes cannot be used at all.
    PyRuntimeError::new_err(format!("{error} ({raised})"))
        .into_value(py)
        .into_bound(py)
        .into_any()
}

/// `error` as a `PyErr`, to raise.
pub fn to_pyerr(error: Error) -> PyErr {
    Python::attach(|py| PyErr::from_value(exception(py, &error)))
}

/// The exception for a panic caught at the edge: the core's one rule
/// (`Error::from_panic`), never a `PanicException`.
pub fn from_panic<'py>(py: Python<'py>, payload: &(dyn std::any::Any + Send)) -> Bound<'py, PyAny> {
    exception(py, &Error::from_panic(payload))
}

/// For `map_err` in the binding's methods.
pub trait IntoPyResult<T> {
    fn into_py_result(self) -> PyResult<T>;
}

impl<T> IntoPyResult<T> for Result<T, Error> {
    fn into_py_result(self) -> PyResult<T> {
        self.map_err(to_pyerr)
    }
}

fn build<'py>(py: Python<'py>, error: &Error) -> PyResult<Bound<'py, PyAny>> {
    // The core's report under the names `kapture_crm._errors` gives them.
    let report = error.report();
    let module = py.import("kapture_crm._errors")?;
    let attrs = PyDict::new(py);
    if let Some(problems) = &report.problems {
        let list = PyList::empty(py);
        for problem in problems {
            let item = PyDict::new(py);
            item.set_item("path", &problem.path)?;
            item.set_item("message", &problem.message)?;
            list.append(item)?;
        }
        attrs.set_item("errors", list)?;
    }
    if let Some(retry_after) = report.retry_after {
        attrs.set_item("retry_after", retry_after)?;
    }
    if let Some(status) = report.status {
        attrs.set_item("status_code", status)?;
    }
    if let Some(existing) = report.existing {
        attrs.set_item("existing_customer_id", existing.customer_id)?;
        attrs.set_item("existing_contact_id", existing.contact_id)?;
    }
    if let Some(body) = &report.body {
        attrs.set_item("body", body)?;
    }
    if let Some(message) = &report.vendor_message {
        attrs.set_item("message", message)?;
    }
    attrs.set_item("outcome_unknown", report.outcome_unknown)?;
    attrs.set_item("code", report.code)?;
    module
        .getattr("BY_CLASS")?
        .get_item(report.class)?
        .call((report.text,), Some(&attrs))
}
