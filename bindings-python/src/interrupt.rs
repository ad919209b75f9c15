//! Ctrl-C during a blocking call. The call waits with the GIL released on a
//! thread where Python cannot run its signal handlers, so the core asks this
//! file every `kapture_crm::blocking::INTERRUPT_POLL` whether to stop: it
//! runs the handlers (on the main thread; elsewhere it does nothing) and
//! keeps what one raised, `KeyboardInterrupt` by default, for the call to
//! raise once the core has cancelled it.

use std::cell::RefCell;
use std::sync::Arc;

use kapture_crm::blocking::Interrupt;
use pyo3::prelude::*;

thread_local! {
    static RAISED: RefCell<Option<PyErr>> = const { RefCell::new(None) };
}

/// The interrupt of the synchronous client and of bulk iteration.
pub fn hook() -> Interrupt {
    Arc::new(signal_raised)
}

fn signal_raised() -> bool {
    Python::attach(|py| match py.check_signals() {
        Ok(()) => false,
        Err(raised) => {
            RAISED.with(|cell| *cell.borrow_mut() = Some(raised));
            true
        }
    })
}

/// What a signal handler raised during this thread's last wait, taken.
pub fn take() -> Option<PyErr> {
    RAISED.with(|cell| cell.borrow_mut().take())
}
