//! A bulk run on the core's engine (`kapture_crm::bulk`), fed from Python.
//!
//! Inputs go through a bounded channel into the engine; outcomes come back
//! through another. The Python side (`kapture_crm._bulk`) feeds while there
//! is room and then waits for the next outcome, so at most
//! `2 * concurrency + 2` records are held at any time, whatever the input's size.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use futures_util::StreamExt;
use futures_util::stream;
use kapture_crm::bulk::{self, BulkOptions, Input, Outcome};
use kapture_crm::{Client, Error};
use pyo3::prelude::*;
use pyo3::types::PyTuple;
use tokio::sync::mpsc;

use crate::aio;
use crate::convert;
use crate::error::{exception, internal, to_pyerr};
use crate::runtime::runtime;

#[pyclass(frozen, module = "kapture_crm._native")]
pub struct BulkRun {
    input: Mutex<Option<mpsc::Sender<Input>>>,
    output: Arc<tokio::sync::Mutex<mpsc::Receiver<Outcome>>>,
    /// Records fed and outcomes handed out: the outcomes may only end when
    /// both are equal, else something was lost and the caller is told.
    fed: Arc<AtomicUsize>,
    delivered: Arc<AtomicUsize>,
}

impl BulkRun {
    pub fn start(client: Client, options: BulkOptions) -> PyResult<Self> {
        let (input, requests) = mpsc::channel::<Input>(options.concurrency);
        // Outcomes wait in the engine's window, not here: one slot is enough
        // and keeps the records held to about 2 * concurrency.
        let (outcomes, output) = mpsc::channel::<Outcome>(1);
        let requests = stream::unfold(requests, |mut rx| async move {
            rx.recv().await.map(|item| (item, rx))
        });
        runtime()?.spawn(async move {
            let mut results = bulk::add_customers(&client, requests, &options);
            while let Some(outcome) = results.next().await {
                // The Python side let go of the run: stop (drops in-flight calls).
                if outcomes.send(outcome).await.is_err() {
                    break;
                }
            }
        });
        Ok(Self {
            input: Mutex::new(Some(input)),
            output: Arc::new(tokio::sync::Mutex::new(output)),
            fed: Arc::new(AtomicUsize::new(0)),
            delivered: Arc::new(AtomicUsize::new(0)),
        })
    }

    fn sender(&self) -> PyResult<mpsc::Sender<Input>> {
        self.input
            .lock()
            .ok()
            .and_then(|s| s.clone())
            .ok_or_else(|| to_pyerr(Error::Config("the bulk run's input is closed".into())))
    }
}

/// `(index, value, ok)`: the reply dict, or the exception for that record.
fn outcome_tuple<'py>(py: Python<'py>, outcome: Outcome) -> PyResult<Bound<'py, PyTuple>> {
    let (value, ok) = match outcome.result {
        Ok(reply) => (
            convert::object_to_python(py, reply.as_json())?.into_any(),
            true,
        ),
        Err(error) => (exception(py, &error), false),
    };
    PyTuple::new(
        py,
        [
            outcome.index.into_pyobject(py)?.into_any(),
            value,
            ok.into_pyobject(py)?.to_owned().into_any(),
        ],
    )
}

impl BulkRun {
    fn check_complete(&self, py: Python<'_>) -> PyResult<()> {
        let (fed, delivered) = (
            self.fed.load(Ordering::SeqCst),
            self.delivered.load(Ordering::SeqCst),
        );
        if delivered < fed {
            return Err(PyErr::from_value(lost(py, fed, delivered)));
        }
        Ok(())
    }
}

fn lost(py: Python<'_>, fed: usize, delivered: usize) -> Bound<'_, PyAny> {
    internal(
        py,
        &format!("the bulk engine stopped after {delivered} of {fed} outcomes"),
    )
}

#[pymethods]
impl BulkRun {
    /// True when a record can be fed without waiting.
    fn has_room(&self) -> bool {
        self.sender().is_ok_and(|s| s.capacity() > 0)
    }

    /// Feeds one record; call only when `has_room()`. A record that does not
    /// convert or validate is fed as its error: it becomes its outcome.
    fn feed_nowait(&self, record: &Bound<'_, PyAny>) -> PyResult<()> {
        let input = convert::request(record);
        self.sender()?.try_send(input).map_err(|e| {
            to_pyerr(Error::Config(format!(
                "the bulk run cannot take a record now: {e}"
            )))
        })
    }

    /// Feeds one record, waiting (in the event loop) for room.
    fn feed_async<'py>(
        &self,
        py: Python<'py>,
        record: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let input = convert::request(record);
        let sender = self.sender()?;
        // Counted now: a record given to feed_async is owed an outcome.
        self.fed.fetch_add(1, Ordering::SeqCst);
        aio::spawn(
            py,
            async move { sender.send(input).await.is_ok() },
            |py, sent| {
                Ok(sent
                    .into_pyobject(py)
                    .map(|b| b.to_owned().into_any().unbind())
                    .unwrap_or_else(|_| py.None()))
            },
        )
    }

    /// No more records: the outcomes end after the last one fed.
    fn close_input(&self) {
        if let Ok(mut input) = self.input.lock() {
            input.take();
        }
    }

    /// The next outcome, or None after the last; the GIL is released while
    /// waiting.
    fn next_blocking<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyTuple>>> {
        let output = self.output.clone();
        let runtime = runtime()?;
        let next = py.detach(|| runtime.block_on(async move { output.lock().await.recv().await }));
        match next {
            Some(outcome) => {
                self.delivered.fetch_add(1, Ordering::SeqCst);
                outcome_tuple(py, outcome).map(Some)
            }
            None => self.check_complete(py).map(|()| None),
        }
    }

    /// The next outcome as an awaitable (None after the last).
    fn next_async<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let output = self.output.clone();
        let delivered = self.delivered.clone();
        let fed = self.fed.clone();
        aio::spawn(
            py,
            async move { output.lock().await.recv().await },
            move |py, next| match next {
                None if delivered.load(Ordering::SeqCst) < fed.load(Ordering::SeqCst) => Err(lost(
                    py,
                    fed.load(Ordering::SeqCst),
                    delivered.load(Ordering::SeqCst),
                )
                .unbind()),
                None => Ok(py.None()),
                Some(outcome) => {
                    delivered.fetch_add(1, Ordering::SeqCst);
                    outcome_tuple(py, outcome)
                        .map(|t| t.into_any().unbind())
                        .map_err(|e| e.into_value(py).into_any())
                }
            },
        )
    }
}
