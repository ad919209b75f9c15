//! Core errors as the Python exceptions of `kapture_crm._errors`.
//!
//! The classes are plain Python (so they pickle and carry attributes); this
//! file only picks the class and its attributes for each core variant.

use kapture_crm::Error;
use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

/// The exception instance for `error`, not raised (bulk results carry it).
pub fn exception<'py>(py: Python<'py>, error: &Error) -> Bound<'py, PyAny> {
    build(py, error).unwrap_or_else(|e| e.into_value(py).into_bound(py).into_any())
}

/// `error` as a `PyErr`, to raise.
pub fn to_pyerr(error: Error) -> PyErr {
    Python::attach(|py| PyErr::from_value(exception(py, &error)))
}

/// A `KaptureError` (code `"internal"`) for what should never happen: a
/// panic caught at the edge, outcomes lost. Never a `PanicException`.
pub fn internal<'py>(py: Python<'py>, what: &str) -> Bound<'py, PyAny> {
    let text = format!("kapture_crm internal error: {what}; please report it");
    let built = py.import("kapture_crm._errors").and_then(|m| {
        let attrs = PyDict::new(py);
        attrs.set_item("code", "internal")?;
        m.getattr("KaptureError")?
            .call((text.as_str(),), Some(&attrs))
    });
    built.unwrap_or_else(|e| e.into_value(py).into_bound(py).into_any())
}

/// The message of a caught panic.
pub fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".into())
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
    let module = py.import("kapture_crm._errors")?;
    let attrs = PyDict::new(py);
    let class = match error {
        Error::Validation(problems) => {
            let list = PyList::empty(py);
            for problem in problems {
                let item = PyDict::new(py);
                item.set_item("path", &problem.path)?;
                item.set_item("message", &problem.message)?;
                list.append(item)?;
            }
            attrs.set_item("errors", list)?;
            "ValidationError"
        }
        Error::Config(_) => "ConfigError",
        Error::Authentication { .. } => "AuthenticationError",
        Error::RateLimited { retry_after, .. } => {
            attrs.set_item("retry_after", retry_after.map(|d| d.as_secs_f64()))?;
            "RateLimitError"
        }
        Error::Api { .. } => "APIError",
        Error::Server { .. } => "ServerError",
        Error::Timeout { .. } => "TimeoutError",
        Error::Connection { .. } => "ConnectionError",
        Error::UnexpectedResponse { .. } => "UnexpectedResponseError",
        _ => "KaptureError",
    };
    if let Some(status) = error.status() {
        attrs.set_item("status_code", status)?;
    }
    if let Some(body) = error.body() {
        attrs.set_item("body", body)?;
    }
    // Python's `.message`: the vendor's words for replies (not for
    // timeouts and connections, whose message is the whole text).
    let vendor_message = match error {
        Error::Timeout { .. } | Error::Connection { .. } | Error::Config(_) => None,
        _ => error.detail(),
    };
    if let Some(message) = vendor_message {
        attrs.set_item("message", message)?;
    }
    attrs.set_item("outcome_unknown", error.outcome_unknown())?;
    attrs.set_item("code", error.code())?;
    module
        .getattr(class)?
        .call((error.to_string(),), Some(&attrs))
        .map_err(|e| PyRuntimeError::new_err(format!("{error} ({e})")))
}
