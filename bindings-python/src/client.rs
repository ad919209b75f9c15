//! `kapture_crm._native.Client`: the core client, per process.

use std::sync::Mutex;
use std::time::Duration;

use kapture_crm::bulk::BulkOptions;
use kapture_crm::{Client, ClientBuilder, Error};
use pyo3::prelude::*;

use crate::aio;
use crate::bulk::BulkRun;
use crate::convert;
use crate::error::{IntoPyResult, exception, internal, panic_text, to_pyerr};
use crate::runtime::runtime;

/// The core client and the process it was built in: after `fork()` the
/// child builds its own (the parent's pool holds the parent's sockets).
struct PerProcess {
    pid: u32,
    client: Option<Client>,
}

#[pyclass(frozen, module = "kapture_crm._native", name = "Client")]
pub struct NativeClient {
    builder: ClientBuilder,
    current: Mutex<PerProcess>,
    endpoint: String,
}

fn seconds(name: &str, value: f64) -> Result<Duration, Error> {
    if value.is_finite() && value > 0.0 {
        Ok(Duration::from_secs_f64(value))
    } else {
        Err(Error::Config(format!(
            "{name} must be a positive number of seconds, got {value}"
        )))
    }
}

impl NativeClient {
    /// The client of this process; `Err` once closed.
    fn client(&self) -> PyResult<Client> {
        let pid = std::process::id();
        let mut current = self
            .current
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if current.pid != pid && current.client.is_some() {
            let rebuilt = self.builder.clone().build().into_py_result()?;
            *current = PerProcess {
                pid,
                client: Some(rebuilt),
            };
        }
        current
            .client
            .clone()
            .ok_or_else(|| to_pyerr(Error::Config("the client is closed".into())))
    }
}

#[pymethods]
impl NativeClient {
    #[new]
    #[pyo3(signature = (
        token=None, *, subdomain=None, base_url=None, timeout=30.0, connect_timeout=5.0,
        max_retries=2, retry_unknown_outcome=false, user_agent=None, ca_file=None
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        token: Option<String>,
        subdomain: Option<String>,
        base_url: Option<String>,
        timeout: f64,
        connect_timeout: f64,
        max_retries: i64,
        retry_unknown_outcome: bool,
        user_agent: Option<String>,
        ca_file: Option<std::path::PathBuf>,
    ) -> PyResult<Self> {
        let settings = || -> Result<ClientBuilder, Error> {
            let mut builder = ClientBuilder::from_env();
            if let Some(token) = token {
                builder = builder.token(token);
            }
            match (subdomain, base_url) {
                (Some(_), Some(_)) => {
                    return Err(Error::Config("give subdomain or base_url, not both".into()));
                }
                (Some(subdomain), None) => builder = builder.subdomain(subdomain),
                (None, Some(base_url)) => builder = builder.base_url(base_url),
                (None, None) => {}
            }
            let retries = u32::try_from(max_retries).map_err(|_| {
                Error::Config(format!("max_retries must be 0 or more, got {max_retries}"))
            })?;
            builder = builder
                .timeout(seconds("timeout", timeout)?)
                .connect_timeout(seconds("connect_timeout", connect_timeout)?)
                .max_retries(retries)
                .retry_unknown_outcome(retry_unknown_outcome);
            if let Some(agent) = user_agent {
                builder = builder.user_agent(agent);
            }
            if let Some(path) = ca_file {
                builder = builder.ca_file(path);
            }
            Ok(builder)
        };
        let builder = settings().into_py_result()?;
        let client = builder.clone().build().into_py_result()?;
        Ok(Self {
            endpoint: client.config().endpoint.to_string(),
            builder,
            current: Mutex::new(PerProcess {
                pid: std::process::id(),
                client: Some(client),
            }),
        })
    }

    /// Validates and sends one request; the GIL is released while waiting.
    fn add_customer<'py>(
        &self,
        py: Python<'py>,
        request: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let request = convert::request(request).into_py_result()?;
        let client = self.client()?;
        let runtime = runtime()?;
        let reply = py
            .detach(|| {
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    runtime.block_on(client.add_customer(&request))
                }))
            })
            .map_err(|payload| PyErr::from_value(internal(py, &panic_text(&*payload))))?
            .into_py_result()?;
        Ok(convert::object_to_python(py, reply.as_json())?.into_any())
    }

    /// The same, as an awaitable of the running asyncio loop.
    fn add_customer_async<'py>(
        &self,
        py: Python<'py>,
        request: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let request = convert::request(request).into_py_result()?;
        let client = self.client()?;
        aio::spawn(
            py,
            async move { client.add_customer(&request).await },
            |py, result| match result {
                Ok(reply) => convert::object_to_python(py, reply.as_json())
                    .map(|d| d.into_any().unbind())
                    .map_err(|e| e.into_value(py).into_any()),
                Err(error) => Err(exception(py, &error).unbind()),
            },
        )
    }

    /// A bulk run on the core's engine; see `kapture_crm._bulk`.
    #[pyo3(signature = (concurrency=8, ordered=true, rate=None))]
    fn bulk(&self, concurrency: i64, ordered: bool, rate: Option<f64>) -> PyResult<BulkRun> {
        if let Some(rate) = rate.filter(|r| !(r.is_finite() && *r > 0.0)) {
            return Err(to_pyerr(Error::Config(format!(
                "rate must be a positive number of requests per second, got {rate}"
            ))));
        }
        let concurrency = usize::try_from(concurrency)
            .ok()
            .filter(|c| (1..=1024).contains(c))
            .ok_or_else(|| {
                to_pyerr(Error::Config(format!(
                    "concurrency must be from 1 to 1024, got {concurrency}"
                )))
            })?;
        BulkRun::start(
            self.client()?,
            BulkOptions {
                concurrency,
                ordered,
                rate,
            },
        )
    }

    /// Drops the connection pool; later calls raise.
    fn close(&self) {
        if let Ok(mut current) = self.current.lock() {
            current.client = None;
        }
    }

    #[getter]
    fn closed(&self) -> bool {
        self.current.lock().map_or(true, |c| c.client.is_none())
    }

    #[getter]
    fn endpoint(&self) -> &str {
        &self.endpoint
    }
}
