//! A bulk run of the core (`kapture_crm::bulk::Run`), fed from Python.
//!
//! The core owns the channels, the indexes and the ledger of outcomes owed;
//! this file converts records in and outcomes out. The Python side
//! (`kapture_crm._bulk`) feeds only while the engine wants records and only
//! while its caller takes outcomes, so nothing more is sent once the caller
//! stops.

use std::sync::Arc;

use kapture_crm::bulk::{BulkOptions, Next, Outcome, Run, Success};
use kapture_crm::{Client, Error};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyList, PyTuple};

use crate::aio;
use crate::error::{exception, to_pyerr};
use crate::rows::record;
use kapture_crm::resume::RunJournal;
use kapture_crm::rows::Records;

#[pyclass(frozen, module = "kapture_crm._native")]
pub struct BulkRun {
    run: Arc<Run>,
    records: Records,
}

impl BulkRun {
    pub fn start(
        client: Client,
        options: BulkOptions,
        records: Records,
        journal: Option<std::path::PathBuf>,
    ) -> PyResult<Self> {
        let (run, engine) = match journal {
            Some(path) => {
                let journal = RunJournal::open(&path, client.config()).map_err(to_pyerr)?;
                Run::start_journaled(&client, options, journal, None)
            }
            None => Run::start(&client, options, None),
        }
        .map_err(to_pyerr)?;
        kapture_crm::runtime::shared()
            .map_err(to_pyerr)?
            .spawn(engine);
        Ok(Self { run, records })
    }

    /// The core run, for its client's `close()` (which must not keep it alive).
    pub fn handle(&self) -> std::sync::Weak<Run> {
        Arc::downgrade(&self.run)
    }
}

/// The outcome of a blank row in a bulk run (every cell empty: nothing was
/// sent): `kapture_crm.BLANK`, the one instance. Falsy, and neither a reply
/// nor an exception.
#[pyclass(frozen, module = "kapture_crm")]
pub struct BlankRow;

#[pymethods]
impl BlankRow {
    fn __repr__(&self) -> &'static str {
        "kapture_crm.BLANK"
    }

    fn __bool__(&self) -> bool {
        false
    }
}

/// The one [`BlankRow`].
pub fn blank(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    static BLANK: pyo3::sync::PyOnceLock<Py<BlankRow>> = pyo3::sync::PyOnceLock::new();
    BLANK
        .get_or_try_init(py, || Py::new(py, BlankRow))
        .map(|b| b.bind(py).clone().into_any())
}

/// `(index, value, ok, from_journal)`: the reply dict, `BLANK` for a blank
/// row, or the exception for that record; `from_journal` when a resumed
/// run's journal settled it (nothing sent).
fn outcome_tuple<'py>(py: Python<'py>, outcome: Outcome) -> PyResult<Bound<'py, PyTuple>> {
    let (value, ok) = match outcome.result {
        // Reconciled: its customer exists, and there is no reply.
        Ok(Success::Found(found)) => (crate::call::found_to_python(py, &found)?, true),
        Ok(Success::Reply(reply)) => match outcome.action {
            // An upsert run: what it did, to which customer, and the reply.
            Some(action) => {
                let done = kapture_crm::Upserted {
                    action,
                    customer_id: reply.customer_id(),
                    response: reply,
                };
                (crate::call::upserted_to_python(py, &done)?, true)
            }
            None => (crate::reply::to_python(py, &reply)?, true),
        },
        Err(Error::BlankRow) => (blank(py)?, false),
        Err(error) => (exception(py, &error), false),
    };
    PyTuple::new(
        py,
        [
            outcome.index.into_pyobject(py)?.into_any(),
            value,
            ok.into_pyobject(py)?.to_owned().into_any(),
            outcome
                .from_journal
                .into_pyobject(py)?
                .to_owned()
                .into_any(),
        ],
    )
}

/// What `Run::next` gave, for Python: a tuple, None at the end, or raised.
fn delivered<'py>(
    py: Python<'py>,
    next: Result<Option<Outcome>, Error>,
) -> PyResult<Option<Bound<'py, PyTuple>>> {
    match next {
        Ok(Some(outcome)) => outcome_tuple(py, outcome).map(Some),
        Ok(None) => Ok(None),
        Err(error) => Err(PyErr::from_value(exception(py, &error))),
    }
}

#[pymethods]
impl BulkRun {
    /// True while the engine is short of records (`Run::wants_input`): the
    /// iterators feed only then, so they run no further ahead than keeps
    /// `concurrency` calls busy.
    fn wants_input(&self) -> bool {
        self.run.wants_input()
    }

    /// Feeds one record; call only when `wants_input()`. A record that does
    /// not convert or validate is fed as its error: it becomes its outcome.
    fn feed_nowait(&self, input: &Bound<'_, PyAny>) -> PyResult<()> {
        fed_now(self.run.try_feed(record(&self.records, input)))
    }

    /// [`feed_nowait`](Self::feed_nowait) in a journaled run, with the
    /// record's key (text or a whole number; anything else, `None` too, is
    /// that record's problem).
    fn feed_keyed_nowait(&self, input: &Bound<'_, PyAny>, key: &Bound<'_, PyAny>) -> PyResult<()> {
        fed_now(
            match kapture_crm::resume::key_text("key", &key_value(key)) {
                Ok(key) => self.run.try_feed_keyed(key, record(&self.records, input)),
                // An error input needs no key: it is the record's outcome.
                Err(problem) => self.run.try_feed(Err(problem)),
            },
        )
    }

    /// No more records: the outcomes end after the last one fed.
    fn close_input(&self) {
        self.run.close_input();
    }

    /// Ends the run now: nothing more is fed or sent; records fed and not
    /// yet answered come out as `aborted` outcomes (outcome unknown when
    /// their request was on the wire), then the outcomes end.
    fn abort(&self) {
        self.run.abort();
    }

    /// The next outcome, None after the last, or False when the engine
    /// wants records first (`Run::next_or_feed`); the GIL is released while
    /// waiting. Raises when the engine failed (after an error outcome for
    /// every record it still owed). Ctrl-C aborts the run (records on the
    /// wire end `aborted`, outcome unknown; nothing more is sent) and is
    /// raised here.
    fn next_blocking<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let run = self.run.clone();
        let runtime = kapture_crm::runtime::shared().map_err(to_pyerr)?;
        let interrupt = crate::interrupt::hook();
        let next = py.detach(|| {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                runtime.block_on(async {
                    let next = std::pin::pin!(run.next_or_feed());
                    kapture_crm::blocking::until_interrupted(next, &*interrupt).await
                })
            }))
            .unwrap_or_else(|payload| Some(Err(Error::from_panic(&*payload))))
        });
        match next {
            Some(Ok(Next::Feed)) => Ok(PyBool::new(py, false).to_owned().into_any()),
            Some(Ok(Next::Ready(outcome))) => Ok(delivered(py, Ok(outcome))?
                .map_or_else(|| py.None().into_bound(py), Bound::into_any)),
            Some(Err(error)) => Err(PyErr::from_value(exception(py, &error))),
            None => {
                self.run.abort();
                Err(crate::interrupt::take().unwrap_or_else(|| {
                    pyo3::exceptions::PyKeyboardInterrupt::new_err("interrupted")
                }))
            }
        }
    }

    /// The next outcomes as an awaitable: a list of at least one and at most
    /// `max` (those already there with the first), empty after the last, or
    /// None when the engine wants records first (`Run::next_batch_or_feed`).
    /// One future per batch, not per record.
    fn next_batch_async<'py>(&self, py: Python<'py>, max: usize) -> PyResult<Bound<'py, PyAny>> {
        let run = self.run.clone();
        let (future, abort) = aio::spawn(
            py,
            async move { run.next_batch_or_feed(max.max(1)).await },
            |py, batch| {
                let batch = match batch.map_err(|error| exception(py, &error).unbind())? {
                    Next::Feed => return Ok(py.None()),
                    Next::Ready(batch) => batch,
                };
                let tuples = batch
                    .into_iter()
                    .map(|outcome| outcome_tuple(py, outcome))
                    .collect::<PyResult<Vec<_>>>()
                    .map_err(|error| error.into_value(py).into_any())?;
                PyList::new(py, tuples)
                    .map(|list| list.into_any().unbind())
                    .map_err(|error| error.into_value(py).into_any())
            },
        )?;
        aio::abort_when_cancelled(&future, abort)?;
        Ok(future)
    }
}

/// What a feed without waiting gave: fed, or why not.
fn fed_now(fed: Result<Result<usize, kapture_crm::bulk::Input>, Error>) -> PyResult<()> {
    match fed.map_err(to_pyerr)? {
        Ok(_) => Ok(()),
        Err(_) => Err(to_pyerr(Error::Internal {
            message: "feed_nowait without room".into(),
            outcome_unknown: false,
        })),
    }
}

/// A key as Python gave it, for the core's check (which names what it got).
fn key_value(key: &Bound<'_, PyAny>) -> serde_json::Value {
    use pyo3::types::{PyFloat, PyInt, PyString};
    use serde_json::Value;
    if let Ok(text) = key.cast::<PyString>() {
        return text
            .to_str()
            .map_or(Value::Null, |t| Value::String(t.into()));
    }
    if key.is_instance_of::<PyBool>() {
        return Value::Bool(key.is_truthy().unwrap_or(false));
    }
    if key.is_instance_of::<PyInt>() {
        return match key.extract::<i64>() {
            Ok(n) => Value::from(n),
            Err(_) => Value::String(key.to_string()),
        };
    }
    if key.is_instance_of::<PyFloat>() {
        return key.extract::<f64>().map_or(Value::Null, Value::from);
    }
    if key.is_none() {
        return Value::Null;
    }
    Value::Object(serde_json::Map::new())
}
