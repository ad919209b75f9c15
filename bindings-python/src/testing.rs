//! Test hooks, compiled only with the `testing` feature: the second wheel
//! scripts/test builds for the tests under `tests/hooks/` carries them as
//! `kapture_crm._native._testing`; the release wheel has no such module.

use std::sync::Mutex;

use pyo3::prelude::*;

/// The fault the next bulk run is started with (taken once).
static PANIC_AFTER: Mutex<Option<usize>> = Mutex::new(None);

/// The engine of the next bulk run started panics after `outcomes`
/// outcomes (`kapture_crm::bulk::BulkOptions::fault_panic_after`).
#[pyfunction]
fn panic_next_run_after(outcomes: usize) {
    *PANIC_AFTER.lock().unwrap_or_else(|p| p.into_inner()) = Some(outcomes);
}

/// The fault set by [`panic_next_run_after`], if any, for the run starting.
pub fn take_panic_after() -> Option<usize> {
    PANIC_AFTER.lock().unwrap_or_else(|p| p.into_inner()).take()
}

/// `to_wire` through the untyped path only: the tests check that the fast
/// path (`typed.rs`) says exactly what it says.
#[pyfunction]
fn to_wire_untyped<'py>(
    py: Python<'py>,
    request: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    crate::wire_object(
        py,
        crate::convert::untyped_request(request).map(kapture_crm::CheckedRequest::into_request),
    )
}

/// Holds the async inboxes' lock for `seconds` on a thread that is not
/// Python's, as the runtime's thread does for an instant on every delivery,
/// and returns once it is held: the tests fork at that moment.
#[pyfunction]
fn hold_async_inboxes(seconds: f64) -> PyResult<()> {
    let hold = std::time::Duration::try_from_secs_f64(seconds)
        .map_err(|e| pyo3::exceptions::PyValueError::new_err(format!("seconds: {e}")))?;
    let (held, is_held) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .spawn(move || {
            crate::aio::with_inboxes_held(|| {
                let _ = held.send(());
                std::thread::sleep(hold);
            })
        })
        .map_err(|e| pyo3::exceptions::PyRuntimeError::new_err(e.to_string()))?;
    is_held
        .recv()
        .map_err(|_| pyo3::exceptions::PyRuntimeError::new_err("the holding thread ended"))
}

/// Adds the `_testing` submodule to `_native`.
pub fn register(native: &Bound<'_, PyModule>) -> PyResult<()> {
    let module = PyModule::new(native.py(), "_testing")?;
    module.add_function(wrap_pyfunction!(panic_next_run_after, &module)?)?;
    module.add_function(wrap_pyfunction!(to_wire_untyped, &module)?)?;
    module.add_function(wrap_pyfunction!(hold_async_inboxes, &module)?)?;
    native.add_submodule(&module)
}
