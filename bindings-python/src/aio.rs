//! Awaitables without blocking the event loop: work runs on the core's
//! shared runtime (`kapture_crm::runtime::spawn`), and its result is handed
//! to the asyncio loop that asked for it.
//! Each comes with an `Abort` that stops the task: the client's
//! coroutines call it when their await is cancelled (an exception path, so
//! a call that is not cancelled pays for no done-callback: asyncio would
//! schedule and run one per call); the bulk run's awaitables abort from a
//! done-callback (`abort_when_cancelled`).
//!
//! Results are not handed over one by one. A finished task puts its output
//! in its loop's inbox, and only the first one into an empty inbox asks the
//! loop (`call_soon_threadsafe`) to drain it; the drain runs on the loop's
//! own thread, which holds the GIL anyway, and turns every output waiting
//! into Python values there. So the GIL is taken once per batch instead of
//! once per call (each take could wait a whole switch interval while the
//! loop runs Python), never on the runtime's one thread (a blocking-pool
//! thread asks the loop), and the loop wakes once per batch.

use std::collections::HashMap;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::{Mutex, MutexGuard};

use futures_util::FutureExt;
use pyo3::prelude::*;

use crate::error::{from_panic, to_pyerr};

/// What a finished task hands back: a value, or an exception instance.
pub type Delivery = Result<Py<PyAny>, Py<PyAny>>;

/// A finished task's output, turned into its delivery on the loop's thread.
type Finish = Box<dyn FnOnce(Python<'_>) -> Delivery + Send>;

/// Outputs waiting for their loop, by loop (its address). An entry exists
/// while a drain is scheduled; the drain removes it, so a closed loop is
/// not kept alive.
struct Inbox {
    event_loop: Py<PyAny>,
    waiting: Vec<(Py<PyAny>, Finish)>,
}

static INBOXES: Mutex<Option<HashMap<usize, Inbox>>> = Mutex::new(None);

fn inboxes() -> MutexGuard<'static, Option<HashMap<usize, Inbox>>> {
    INBOXES.lock().unwrap_or_else(|p| p.into_inner())
}

/// Runs `work` on the runtime and returns an asyncio future of the running
/// loop that resolves with what `finish` makes of its output (called with
/// the GIL held, on the loop's thread), and the `Abort` of the work.
pub fn spawn<'py, T, W, F>(
    py: Python<'py>,
    work: W,
    finish: F,
) -> PyResult<(Bound<'py, PyAny>, Abort)>
where
    T: Send + 'static,
    W: Future<Output = T> + Send + 'static,
    F: FnOnce(Python<'_>, T) -> Delivery + Send + 'static,
{
    // Looked up once per process, not per call.
    static GET_RUNNING_LOOP: pyo3::sync::PyOnceLock<Py<PyAny>> = pyo3::sync::PyOnceLock::new();
    let event_loop = GET_RUNNING_LOOP
        .import(py, "asyncio", "get_running_loop")?
        .call0()?;
    let future = event_loop.call_method0("create_future")?;
    let key = event_loop.as_ptr() as usize;
    let (loop_ref, future_ref) = (event_loop.unbind(), future.clone().unbind());
    let abort = kapture_crm::runtime::spawn(async move {
        // A panic must reach Python as an exception, not leave the future
        // pending forever.
        let output = AssertUnwindSafe(work).catch_unwind().await;
        let finish: Finish = Box::new(move |py| match output {
            Ok(output) => finish(py, output),
            Err(payload) => Err(from_panic(py, &*payload).unbind()),
        });
        deliver(key, loop_ref, future_ref, finish);
    })
    .map_err(to_pyerr)?;
    Ok((future, Abort { handle: abort }))
}

/// Aborts `abort`'s work when `future` is cancelled (a done-callback).
pub fn abort_when_cancelled(future: &Bound<'_, PyAny>, abort: Abort) -> PyResult<()> {
    future.call_method1("add_done_callback", (Canceller { abort },))?;
    Ok(())
}

/// Puts an output in its loop's inbox; the first into an empty inbox
/// schedules the drain.
fn deliver(key: usize, event_loop: Py<PyAny>, future: Py<PyAny>, finish: Finish) {
    {
        let mut guard = inboxes();
        let map = guard.get_or_insert_with(HashMap::new);
        if let Some(inbox) = map.get_mut(&key) {
            inbox.waiting.push((future, finish));
            return;
        }
        map.insert(
            key,
            Inbox {
                event_loop,
                waiting: vec![(future, finish)],
            },
        );
    }
    // Not on the runtime's one thread, which would stop every call in
    // flight while it waits for the GIL (up to a switch interval while the
    // loop runs Python): on a thread of the blocking pool. And outside the
    // lock: taking the GIL while holding it could deadlock with a drain
    // that holds the GIL and waits for the lock.
    match tokio::runtime::Handle::try_current() {
        Ok(runtime) => drop(runtime.spawn_blocking(move || schedule_drain(key))),
        // Not expected (outputs are delivered by the runtime's tasks).
        Err(_) => schedule_drain(key),
    }
}

/// Asks `key`'s loop to run the drain (unless it ran already).
fn schedule_drain(key: usize) {
    Python::attach(|py| {
        let scheduled = (|| -> PyResult<()> {
            let event_loop = match inboxes().as_ref().and_then(|m| m.get(&key)) {
                Some(inbox) => inbox.event_loop.clone_ref(py),
                None => return Ok(()), // drained already
            };
            let drain = Drain { key }.into_pyobject(py)?;
            event_loop.call_method1(py, "call_soon_threadsafe", (drain,))?;
            Ok(())
        })();
        if scheduled.is_err() {
            // The loop is closed: nobody waits for these any more.
            if let Some(map) = inboxes().as_mut() {
                map.remove(&key);
            }
        }
    });
}

/// Called on the loop's thread: resolves every future whose output waits.
#[pyclass(frozen)]
struct Drain {
    key: usize,
}

#[pymethods]
impl Drain {
    fn __call__(&self, py: Python<'_>) {
        let taken = inboxes()
            .as_mut()
            .and_then(|m| m.remove(&self.key))
            .map(|inbox| inbox.waiting)
            .unwrap_or_default();
        for (future, finish) in taken {
            let future = future.bind(py);
            let delivery = finish(py);
            // Cancelled meanwhile: nobody wants the result.
            if future
                .call_method0("done")
                .and_then(|d| d.is_truthy())
                .unwrap_or(true)
            {
                continue;
            }
            let _ = match delivery {
                Ok(value) => future.call_method1("set_result", (value,)),
                Err(exception) => future.call_method1("set_exception", (exception,)),
            };
        }
    }
}

/// Stops a call's task (nothing once it has finished). Calling it again
/// does nothing.
#[pyclass(frozen)]
pub struct Abort {
    handle: kapture_crm::runtime::Abort,
}

#[pymethods]
impl Abort {
    fn __call__(&self) {
        self.handle.abort();
    }
}

/// Done-callback of an asyncio future: aborts the task when cancelled.
#[pyclass(frozen)]
struct Canceller {
    abort: Abort,
}

#[pymethods]
impl Canceller {
    fn __call__(&self, future: &Bound<'_, PyAny>) -> PyResult<()> {
        if future.call_method0("cancelled")?.is_truthy()? {
            self.abort.__call__();
        }
        Ok(())
    }
}
