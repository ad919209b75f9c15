//! Test hooks, compiled only with the `testing` feature: the second addon
//! scripts/test builds for the tests under `tests/hooks/` exports them; the
//! release addon has none.

use std::sync::Mutex;

use napi_derive::napi;

/// The fault the next bulk run is started with (taken once).
static PANIC_AFTER: Mutex<Option<usize>> = Mutex::new(None);

/// The engine of the next bulk run started panics after `outcomes`
/// outcomes (`kapture_crm::bulk::BulkOptions::fault_panic_after`).
#[napi(catch_unwind)]
pub fn testing_panic_next_run_after(outcomes: u32) {
    *PANIC_AFTER.lock().unwrap_or_else(|p| p.into_inner()) = Some(outcomes as usize);
}

/// The fault set by [`testing_panic_next_run_after`], if any, for the run
/// starting.
pub fn take_panic_after() -> Option<usize> {
    PANIC_AFTER.lock().unwrap_or_else(|p| p.into_inner()).take()
}
