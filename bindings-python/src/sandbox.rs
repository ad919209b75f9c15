//! `kapture_crm._native.Sandbox`: the project's sandbox, in this process, on
//! a runtime of its own.

use std::sync::Mutex;

use kapture_crm::Error;
use kapture_crm_sandbox::{Faults, Sandbox, SandboxConfig};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};

use crate::convert;
use crate::error::to_pyerr;

#[pyclass(frozen, module = "kapture_crm._native", name = "Sandbox")]
pub struct NativeSandbox {
    inner: Mutex<Option<Sandbox>>,
    url: String,
    token: String,
}

/// Faults from a spec string (`"rate_limit=0.1,seed=7"`) or a dict.
fn faults(value: Option<&Bound<'_, PyAny>>) -> PyResult<Faults> {
    let Some(value) = value.filter(|v| !v.is_none()) else {
        return Ok(Faults::default());
    };
    let parsed = if let Ok(spec) = value.cast::<PyString>() {
        Faults::from_text(&spec.to_cow()?)
    } else if value.cast::<PyDict>().is_ok() {
        let mut problems = Vec::new();
        let json = convert::to_json(value, "faults", &mut problems);
        match problems.first() {
            Some(problem) => Err(format!("faults: {problem}")),
            None => Faults::from_json(json),
        }
    } else {
        Err("faults: expected a spec string like \"rate_limit=0.1,seed=7\" or a dict".into())
    };
    parsed.map_err(|e| to_pyerr(Error::Config(e)))
}

impl NativeSandbox {
    fn with<T>(&self, f: impl FnOnce(&Sandbox) -> T) -> PyResult<T> {
        let inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner
            .as_ref()
            .map(f)
            .ok_or_else(|| to_pyerr(Error::Config("the sandbox is stopped".into())))
    }
}

#[pymethods]
impl NativeSandbox {
    #[new]
    #[pyo3(signature = (faults=None, *, token=None, port=0, merge=true, duplicates=None))]
    fn new(
        py: Python<'_>,
        faults: Option<&Bound<'_, PyAny>>,
        token: Option<String>,
        port: u16,
        merge: bool,
        duplicates: Option<&str>,
    ) -> PyResult<Self> {
        let duplicates = duplicates
            .map(str::parse::<kapture_crm_sandbox::Duplicates>)
            .transpose()
            .map_err(|e| to_pyerr(Error::Config(format!("duplicates: {e}"))))?
            .unwrap_or_default();
        let config = SandboxConfig {
            port,
            token,
            faults: self::faults(faults)?,
            no_merge: !merge,
            duplicates,
            ..SandboxConfig::default()
        };
        let sandbox = py
            .detach(|| Sandbox::start_background(config))
            .map_err(|e| to_pyerr(Error::Config(format!("cannot start the sandbox: {e}"))))?;
        Ok(Self {
            url: sandbox.url().to_string(),
            token: sandbox.token().to_string(),
            inner: Mutex::new(Some(sandbox)),
        })
    }

    #[getter]
    fn url(&self) -> &str {
        &self.url
    }

    #[getter]
    fn token(&self) -> &str {
        &self.token
    }

    /// Every stored customer: `customer_id`, `contact_ids`, `writes`, `request`.
    fn customers<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let customers = self.with(|s| serde_json::to_value(s.customers()))?;
        let value = customers.map_err(|e| to_pyerr(internal_error(&e)))?;
        Ok(convert::to_python(py, &value)?.cast_into::<PyList>()?)
    }

    fn stats<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let stats = self.with(|s| serde_json::to_value(s.stats()))?;
        convert::to_python(py, &stats.map_err(|e| to_pyerr(internal_error(&e)))?)
    }

    /// When each add-update request arrived, in seconds from the start.
    fn arrivals(&self) -> PyResult<Vec<f64>> {
        self.with(|s| s.arrivals())
    }

    fn faults<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let faults = self.with(|s| serde_json::to_value(s.faults()))?;
        convert::to_python(py, &faults.map_err(|e| to_pyerr(internal_error(&e)))?)
    }

    fn set_faults(&self, faults: &Bound<'_, PyAny>) -> PyResult<()> {
        let faults = self::faults(Some(faults))?;
        self.with(|s| s.set_faults(faults))?
            .map_err(|e| to_pyerr(Error::Config(format!("faults: {e}"))))
    }

    fn clear(&self) -> PyResult<()> {
        self.with(Sandbox::clear)
    }

    /// Stops serving; idempotent.
    fn stop(&self, py: Python<'_>) {
        let taken = self.inner.lock().ok().and_then(|mut s| s.take());
        py.detach(|| drop(taken));
    }

    #[getter]
    fn running(&self) -> bool {
        self.inner.lock().is_ok_and(|s| s.is_some())
    }
}

/// A value of ours that did not convert: a defect, not a setting.
fn internal_error(e: &dyn std::fmt::Display) -> Error {
    Error::Internal {
        message: format!("sandbox state: {e}"),
        outcome_unknown: false,
    }
}
