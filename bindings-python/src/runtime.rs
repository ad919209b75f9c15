//! One tokio runtime per process, built on first use, rebuilt after fork.
//!
//! A forked child inherits the parent's memory but none of its threads, so
//! the parent's runtime is dead weight there: its workers are gone and any
//! future given to it would hang. A `pthread_atfork` child hook forgets it
//! (leaking it on purpose: dropping a runtime joins threads that no longer
//! exist) and the next call builds a fresh one. Only atomics are touched in
//! the hook, as fork's rules require.

use std::ptr;
#[cfg(unix)]
use std::sync::Once;
use std::sync::atomic::{AtomicBool, AtomicPtr, Ordering};

use pyo3::PyResult;
use pyo3::exceptions::PyRuntimeError;
use tokio::runtime::Runtime;

static RUNTIME: AtomicPtr<Runtime> = AtomicPtr::new(ptr::null_mut());
static BUILDING: AtomicBool = AtomicBool::new(false);
#[cfg(unix)]
static HOOK: Once = Once::new();

#[cfg(unix)]
extern "C" fn forget_runtime_in_child() {
    RUNTIME.store(ptr::null_mut(), Ordering::SeqCst);
    BUILDING.store(false, Ordering::SeqCst);
}

/// The process's runtime.
pub fn runtime() -> PyResult<&'static Runtime> {
    // Windows has no fork: nothing to forget there.
    #[cfg(unix)]
    HOOK.call_once(|| {
        // SAFETY: registers a plain function that only stores to atomics.
        unsafe {
            libc::pthread_atfork(None, None, Some(forget_runtime_in_child));
        }
    });
    loop {
        let current = RUNTIME.load(Ordering::Acquire);
        if !current.is_null() {
            // SAFETY: a published runtime is never freed (see module docs).
            return Ok(unsafe { &*current });
        }
        if BUILDING
            .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
        {
            let built = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_name("kapture-crm-io")
                .enable_all()
                .build();
            let runtime = match built {
                Ok(runtime) => Box::into_raw(Box::new(runtime)),
                Err(e) => {
                    BUILDING.store(false, Ordering::Release);
                    return Err(PyRuntimeError::new_err(format!(
                        "kapture_crm: cannot start the I/O runtime: {e}"
                    )));
                }
            };
            RUNTIME.store(runtime, Ordering::Release);
            BUILDING.store(false, Ordering::Release);
            // SAFETY: just published, never freed.
            return Ok(unsafe { &*runtime });
        }
        std::thread::yield_now();
    }
}
