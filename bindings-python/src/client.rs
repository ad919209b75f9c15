//! `kapture_crm._native.Client`: the core client, per process.

use std::sync::Mutex;

use kapture_crm::ClientSettings;
use kapture_crm::bulk::BulkOptions;
use kapture_crm::settings::{self, Unit};
use kapture_crm::{Client, ClientBuilder, Error, RequestOptions, blocking};
use pyo3::prelude::*;

use crate::aio;
use crate::bulk::BulkRun;
use crate::call::{Call, reply_object};
use crate::error::{IntoPyResult, from_panic, to_pyerr};
use crate::rows;

/// The core client and the process it was built in: after `fork()` the
/// child builds its own (the parent's pool holds the parent's sockets).
struct PerProcess {
    /// `kapture_crm::runtime::fork_generation()` when built; another
    /// generation means a forked child (no system call a call to tell).
    generation: usize,
    client: Option<Client>,
    /// The same settings for the synchronous methods, which the core drives
    /// on the calling thread (`kapture_crm::blocking`: no thread hop).
    blocking: Option<blocking::Client>,
}

#[pyclass(frozen, module = "kapture_crm._native", name = "Client")]
pub struct NativeClient {
    builder: ClientBuilder,
    current: Mutex<PerProcess>,
    endpoint: String,
    timeout: f64,
    max_retries: u32,
    /// The bulk runs started on this client, stopped by `close()`.
    runs: Mutex<Vec<std::sync::Weak<kapture_crm::bulk::Run>>>,
}

impl NativeClient {
    /// A client of this process, and the builder a forked child rebuilds
    /// it from.
    fn holding(builder: ClientBuilder, client: Client, blocking: blocking::Client) -> Self {
        Self {
            endpoint: client.config().endpoint.to_string(),
            timeout: client.config().timeout.as_secs_f64(),
            max_retries: client.config().max_retries,
            runs: Mutex::new(Vec::new()),
            builder,
            current: Mutex::new(PerProcess {
                generation: kapture_crm::runtime::fork_generation(),
                client: Some(client),
                blocking: Some(blocking),
            }),
        }
    }

    /// The client of this process; `Err` once closed. Called at the start
    /// of every call, with the GIL: the log levels are read here.
    fn client(&self, py: Python<'_>) -> PyResult<Client> {
        self.current(py, |current| current.client.clone())
    }

    /// The blocking twin, for the synchronous methods.
    fn blocking(&self, py: Python<'_>) -> PyResult<blocking::Client> {
        self.current(py, |current| current.blocking.clone())
    }

    fn current<T>(
        &self,
        py: Python<'_>,
        pick: impl FnOnce(&PerProcess) -> Option<T>,
    ) -> PyResult<T> {
        crate::log::refresh(py);
        let generation = kapture_crm::runtime::fork_generation();
        let mut current = self
            .current
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if current.generation != generation && current.client.is_some() {
            let rebuilt = self.builder.clone().build().into_py_result()?;
            *current = PerProcess {
                generation,
                blocking: Some(
                    blocking::Client::from_client(&rebuilt)
                        .with_interrupt(crate::interrupt::hook()),
                ),
                client: Some(rebuilt),
            };
        }
        pick(&current).ok_or_else(|| to_pyerr(Error::Closed))
    }
}

/// A blocking call of the core on this thread, the GIL released while it
/// runs; a panic becomes an `InternalError` instead of crossing into Python.
/// Ctrl-C cancels the call (see `interrupt.rs`) and is raised here.
fn wait<T: Send>(py: Python<'_>, work: impl FnOnce() -> Result<T, Error> + Send) -> PyResult<T> {
    let result = py
        .detach(|| std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)))
        .map_err(|payload| PyErr::from_value(from_panic(py, &*payload)))?;
    if let Some(raised) = crate::interrupt::take() {
        return Err(raised);
    }
    result.into_py_result()
}

/// Per-call overrides, checked by the core's rules (seconds, as the
/// constructor takes them).
fn per_call(timeout: Option<f64>, max_retries: Option<f64>) -> PyResult<RequestOptions> {
    RequestOptions::checked(
        timeout,
        max_retries,
        Unit::Seconds,
        ("timeout", "max_retries"),
    )
    .into_py_result()
}

impl NativeClient {
    /// `call` on the calling thread, the GIL released while it waits.
    fn call<'py>(
        &self,
        py: Python<'py>,
        call: Call,
        options: RequestOptions,
    ) -> PyResult<Bound<'py, PyAny>> {
        let client = self.blocking(py)?;
        wait(py, || call.blocking(&client, &options))?.to_python(py)
    }

    /// `call` as an awaitable of the running asyncio loop and its `Abort`.
    fn call_async<'py>(
        &self,
        py: Python<'py>,
        call: Call,
        options: RequestOptions,
    ) -> PyResult<(Bound<'py, PyAny>, aio::Abort)> {
        let client = self.client(py)?;
        aio::spawn(
            py,
            async move { call.send(&client, &options).await },
            |py, result| reply_object(py, result.map(|answer| answer.to_python(py))),
        )
    }
}

#[pymethods]
impl NativeClient {
    /// Every setting is optional: a missing one comes from the environment
    /// or the core's defaults, and every rule is the core's
    /// (`kapture_crm::settings`).
    #[new]
    #[pyo3(signature = (
        token=None, *, subdomain=None, base_url=None, timeout=None, connect_timeout=None,
        max_retries=None, retry_unknown_outcome=None, user_agent=None, ca_file=None,
        username=None, password=None, default_headers=None, rate=None, rate_scope=None,
        rate_limiter=None
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        token: Option<String>,
        subdomain: Option<String>,
        base_url: Option<String>,
        timeout: Option<f64>,
        connect_timeout: Option<f64>,
        max_retries: Option<f64>,
        retry_unknown_outcome: Option<bool>,
        user_agent: Option<String>,
        ca_file: Option<std::path::PathBuf>,
        username: Option<String>,
        password: Option<String>,
        default_headers: Option<std::collections::BTreeMap<String, String>>,
        rate: Option<f64>,
        rate_scope: Option<String>,
        rate_limiter: Option<String>,
    ) -> PyResult<Self> {
        let seconds = |name, value: Option<f64>| {
            value
                .map(|v| settings::duration(name, v, Unit::Seconds))
                .transpose()
        };
        let settings = || -> Result<ClientBuilder, Error> {
            ClientSettings {
                token,
                username,
                password,
                default_headers: default_headers.unwrap_or_default().into_iter().collect(),
                subdomain,
                base_url,
                timeout: seconds("timeout", timeout)?,
                connect_timeout: seconds("connect_timeout", connect_timeout)?,
                max_retries: max_retries
                    .map(|n| settings::max_retries("max_retries", n))
                    .transpose()?,
                retry_unknown_outcome,
                user_agent,
                ca_file,
                // The process-wide one (see `log.rs`).
                log: None,
                rate,
                rate_scope,
                rate_limiter,
            }
            .builder()
        };
        let builder = settings().into_py_result()?;
        let client = builder.clone().build().into_py_result()?;
        let blocking =
            blocking::Client::from_client(&client).with_interrupt(crate::interrupt::hook());
        Ok(Self::holding(builder, client, blocking))
    }

    /// Seconds per attempt, as settled (for `repr`).
    #[getter]
    fn timeout(&self) -> f64 {
        self.timeout
    }

    #[getter]
    fn max_retries(&self) -> u32 {
        self.max_retries
    }

    /// Validates and sends one request; the GIL is released while waiting.
    #[pyo3(signature = (request, *, timeout=None, max_retries=None))]
    fn add_customer<'py>(
        &self,
        py: Python<'py>,
        request: &Bound<'py, PyAny>,
        timeout: Option<f64>,
        max_retries: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let options = per_call(timeout, max_retries)?;
        self.call(py, Call::add(request)?, options)
    }

    /// The same, as an awaitable of the running asyncio loop and the
    /// `Abort` to call if that await is cancelled.
    #[pyo3(signature = (request, *, timeout=None, max_retries=None))]
    fn add_customer_async<'py>(
        &self,
        py: Python<'py>,
        request: &Bound<'py, PyAny>,
        timeout: Option<f64>,
        max_retries: Option<f64>,
    ) -> PyResult<(Bound<'py, PyAny>, aio::Abort)> {
        let options = per_call(timeout, max_retries)?;
        self.call_async(py, Call::add(request)?, options)
    }

    /// Update Customer by Kapture's id; the GIL is released while waiting.
    #[pyo3(signature = (customer_id, request, *, timeout=None, max_retries=None))]
    fn update_customer<'py>(
        &self,
        py: Python<'py>,
        customer_id: &Bound<'py, PyAny>,
        request: &Bound<'py, PyAny>,
        timeout: Option<f64>,
        max_retries: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let options = per_call(timeout, max_retries)?;
        self.call(py, Call::update(customer_id, request)?, options)
    }

    /// The same, as an awaitable and its `Abort` (see `add_customer_async`).
    #[pyo3(signature = (customer_id, request, *, timeout=None, max_retries=None))]
    fn update_customer_async<'py>(
        &self,
        py: Python<'py>,
        customer_id: &Bound<'py, PyAny>,
        request: &Bound<'py, PyAny>,
        timeout: Option<f64>,
        max_retries: Option<f64>,
    ) -> PyResult<(Bound<'py, PyAny>, aio::Abort)> {
        let options = per_call(timeout, max_retries)?;
        self.call_async(py, Call::update(customer_id, request)?, options)
    }

    /// Get Customer; None when there is no such customer. The GIL is
    /// released while waiting.
    #[pyo3(signature = (customer_id=None, phone=None, email=None, *, timeout=None, max_retries=None))]
    fn find_customer<'py>(
        &self,
        py: Python<'py>,
        customer_id: Option<&Bound<'py, PyAny>>,
        phone: Option<&Bound<'_, PyAny>>,
        email: Option<&Bound<'_, PyAny>>,
        timeout: Option<f64>,
        max_retries: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let options = per_call(timeout, max_retries)?;
        self.call(py, Call::find(customer_id, phone, email)?, options)
    }

    /// The same, as an awaitable and its `Abort` (see `add_customer_async`).
    #[pyo3(signature = (customer_id=None, phone=None, email=None, *, timeout=None, max_retries=None))]
    fn find_customer_async<'py>(
        &self,
        py: Python<'py>,
        customer_id: Option<&Bound<'py, PyAny>>,
        phone: Option<&Bound<'_, PyAny>>,
        email: Option<&Bound<'_, PyAny>>,
        timeout: Option<f64>,
        max_retries: Option<f64>,
    ) -> PyResult<(Bound<'py, PyAny>, aio::Abort)> {
        let options = per_call(timeout, max_retries)?;
        self.call_async(py, Call::find(customer_id, phone, email)?, options)
    }

    /// Adds the customer or updates the one found by `match_on` (`phone` or
    /// `email`); the GIL is released while waiting.
    #[pyo3(signature = (request, *, match_on, timeout=None, max_retries=None))]
    fn upsert_customer<'py>(
        &self,
        py: Python<'py>,
        request: &Bound<'py, PyAny>,
        match_on: &str,
        timeout: Option<f64>,
        max_retries: Option<f64>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let options = per_call(timeout, max_retries)?;
        self.call(py, Call::upsert(request, match_on)?, options)
    }

    /// The same, as an awaitable and its `Abort` (see `add_customer_async`).
    #[pyo3(signature = (request, *, match_on, timeout=None, max_retries=None))]
    fn upsert_customer_async<'py>(
        &self,
        py: Python<'py>,
        request: &Bound<'py, PyAny>,
        match_on: &str,
        timeout: Option<f64>,
        max_retries: Option<f64>,
    ) -> PyResult<(Bound<'py, PyAny>, aio::Abort)> {
        let options = per_call(timeout, max_retries)?;
        self.call_async(py, Call::upsert(request, match_on)?, options)
    }

    /// A bulk run on the core's engine; see `kapture_crm._bulk`.
    #[pyo3(signature = (concurrency=None, ordered=true, rate=None, columns=None, date_format=None, upsert=None, journal=None, key_given=false, file_rows=false, rate_scope=None, rate_limiter=None, reconcile=false))]
    #[allow(clippy::too_many_arguments)] // the Python signature's
    fn bulk(
        &self,
        py: Python<'_>,
        concurrency: Option<f64>,
        ordered: bool,
        rate: Option<f64>,
        columns: Option<&Bound<'_, PyAny>>,
        date_format: Option<&Bound<'_, PyAny>>,
        upsert: Option<&str>,
        journal: Option<std::path::PathBuf>,
        key_given: bool,
        file_rows: bool,
        rate_scope: Option<&str>,
        rate_limiter: Option<&str>,
        reconcile: bool,
    ) -> PyResult<BulkRun> {
        kapture_crm::resume::check_keying(
            journal.is_some(),
            key_given,
            file_rows,
            reconcile.then_some("reconcile=True"),
            ("key=", "read_rows()"),
        )
        .into_py_result()?;
        let mut options = BulkOptions::new(concurrency, ordered, rate)
            .and_then(|o| o.with_upsert(upsert))
            .and_then(|o| {
                o.with_shared_rate(
                    rate_scope,
                    rate_limiter,
                    ("rate_scope", "rate_limiter", "rate"),
                )
            })
            .into_py_result()?;
        options.reconcile = reconcile;
        #[cfg(feature = "testing")]
        {
            options.fault_panic_after = crate::testing::take_panic_after();
        }
        let records = rows::options(columns, date_format)
            .and_then(kapture_crm::rows::Records::new)
            .into_py_result()?;
        let run = BulkRun::start(self.client(py)?, options, records, journal)?;
        let mut runs = self.runs.lock().unwrap_or_else(|p| p.into_inner());
        runs.retain(|run| run.strong_count() > 0);
        runs.push(run.handle());
        Ok(run)
    }

    /// A client with these settings instead, sharing this one's connection
    /// pool (`Client.with_options`).
    #[pyo3(signature = (*, timeout=None, max_retries=None))]
    fn with_options(
        &self,
        py: Python<'_>,
        timeout: Option<f64>,
        max_retries: Option<f64>,
    ) -> PyResult<Self> {
        let options = per_call(timeout, max_retries)?;
        let client = self.client(py)?.with_options(&options);
        let blocking = self.blocking(py)?.with_options(&options);
        let mut builder = self.builder.clone();
        if let Some(timeout) = options.timeout {
            builder = builder.timeout(timeout);
        }
        if let Some(max_retries) = options.max_retries {
            builder = builder.max_retries(max_retries);
        }
        Ok(Self::holding(builder, client, blocking))
    }

    /// Drops the connection pools; later calls raise. A bulk run going on
    /// stops gently: nothing more is fed or started, calls in flight
    /// finish, and the records fed but not sent end `aborted`.
    fn close(&self) {
        if let Ok(mut current) = self.current.lock() {
            current.client = None;
            current.blocking = None;
        }
        let runs = std::mem::take(&mut *self.runs.lock().unwrap_or_else(|p| p.into_inner()));
        for run in runs.iter().filter_map(std::sync::Weak::upgrade) {
            run.stop();
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
