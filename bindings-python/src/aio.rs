//! Awaitables without blocking the event loop: work runs on the tokio
//! runtime, and its result is handed to the asyncio loop that asked for it
//! with `loop.call_soon_threadsafe`. Cancelling the asyncio future aborts the
//! tokio task.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Mutex;

use futures_util::FutureExt;
use pyo3::prelude::*;
use tokio::task::AbortHandle;

use crate::error::from_panic;
use crate::runtime::runtime;

/// What a finished task hands back: a value, or an exception instance.
pub type Delivery = Result<Py<PyAny>, Py<PyAny>>;

/// Runs `work` on the runtime and returns an asyncio future of the running
/// loop that resolves with what `finish` makes of its output (called with
/// the GIL held, on a runtime thread).
pub fn spawn<'py, T, W, F>(py: Python<'py>, work: W, finish: F) -> PyResult<Bound<'py, PyAny>>
where
    T: Send + 'static,
    W: Future<Output = T> + Send + 'static,
    F: FnOnce(Python<'_>, T) -> Delivery + Send + 'static,
{
    let event_loop = py.import("asyncio")?.call_method0("get_running_loop")?;
    let future = event_loop.call_method0("create_future")?;
    let resolve = py.import("kapture_crm._aio")?.getattr("resolve")?.unbind();
    let (loop_ref, future_ref) = (event_loop.unbind(), future.clone().unbind());
    let task = runtime()?.spawn(async move {
        // A panic must reach Python as an exception, not leave the future
        // pending forever.
        let output = AssertUnwindSafe(work).catch_unwind().await;
        Python::attach(|py| {
            let delivery = match output {
                Ok(output) => finish(py, output),
                Err(payload) => Err(from_panic(py, &*payload).unbind()),
            };
            let (ok, value) = match delivery {
                Ok(value) => (true, value),
                Err(exception) => (false, exception),
            };
            // The loop may be closed by now; nobody is waiting then.
            let _ =
                loop_ref.call_method1(py, "call_soon_threadsafe", (resolve, future_ref, ok, value));
        });
    });
    let canceller = Canceller {
        handle: Mutex::new(Some(task.abort_handle())),
    };
    future.call_method1("add_done_callback", (canceller,))?;
    Ok(future)
}

/// Done-callback of the asyncio future: aborts the task when cancelled.
#[pyclass(frozen)]
struct Canceller {
    handle: Mutex<Option<AbortHandle>>,
}

#[pymethods]
impl Canceller {
    fn __call__(&self, future: &Bound<'_, PyAny>) -> PyResult<()> {
        if future.call_method0("cancelled")?.is_truthy()?
            && let Some(handle) = self.handle.lock().ok().and_then(|mut h| h.take())
        {
            handle.abort();
        }
        Ok(())
    }
}
