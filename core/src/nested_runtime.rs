//! Where the blocking client may block: tokio's own answer, asked by trying.
//!
//! A thread inside `tokio::task::spawn_blocking`, or under a
//! `Runtime::enter` guard, has a runtime context
//! (`Handle::try_current()` succeeds) and may block; a thread that is
//! driving async tasks (a worker, or inside `block_on`) must not, or the
//! tasks it drives stall (with a single-threaded runtime, the call's own
//! reply could never be read). Tokio has no public query telling the two
//! apart, but its `block_on` refuses exactly the second with a panic before
//! polling anything. So a call made with a runtime context present runs its
//! `block_on` inside `catch_unwind`, and that one refusal becomes `None`;
//! every other panic goes on unwinding to the caller's guard. The refusal's
//! message is kept off stderr by a panic hook installed once, which stays
//! silent only for that message on a thread that asked for it and hands
//! everything else to the hook it replaced.

use std::any::Any;
use std::cell::Cell;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::Once;

/// Tokio's text for a `block_on` on a thread that drives a runtime.
const REFUSAL: &str = "Cannot start a runtime from within a runtime";

thread_local! {
    /// Set while this thread runs a `block_on` that may be refused.
    static TRYING: Cell<bool> = const { Cell::new(false) };
}

static QUIET_HOOK: Once = Once::new();

/// Runs `block_on` (a call of some runtime's `block_on`): `None` when tokio
/// refused because this thread drives async tasks. Without a runtime
/// context on this thread it is simply called.
pub(crate) fn unless_driving_tasks<T>(block_on: impl FnOnce() -> T) -> Option<T> {
    if tokio::runtime::Handle::try_current().is_err() {
        return Some(block_on());
    }
    QUIET_HOOK.call_once(install_quiet_hook);
    let was = TRYING.with(|t| t.replace(true));
    let outcome = catch_unwind(AssertUnwindSafe(block_on));
    TRYING.with(|t| t.set(was));
    match outcome {
        Ok(value) => Some(value),
        Err(payload) if is_refusal(&*payload) => None,
        Err(payload) => resume_unwind(payload),
    }
}

fn is_refusal(payload: &(dyn Any + Send)) -> bool {
    let text = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str));
    text.is_some_and(|t| t.starts_with(REFUSAL))
}

fn install_quiet_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if TRYING.with(Cell::get) && is_refusal(info.payload()) {
            return;
        }
        previous(info);
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_a_runtime_context_the_call_just_runs() {
        assert_eq!(unless_driving_tasks(|| 7), Some(7));
    }

    #[test]
    fn another_panic_goes_on_unwinding() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let _context = runtime.enter();
        let caught = catch_unwind(|| unless_driving_tasks(|| panic!("something else")));
        let payload = caught.err().unwrap();
        assert_eq!(payload.downcast_ref::<&str>(), Some(&"something else"));
        assert!(!TRYING.with(Cell::get));
    }

    #[test]
    fn tokio_refusal_text_is_what_tokio_says() {
        let outer = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let inner = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let refused = outer.block_on(async { unless_driving_tasks(|| inner.block_on(async {})) });
        assert_eq!(refused, None);
    }
}
