//! Locks that survive a panicked holder: every lock in the SDK guards plain
//! data that a panic elsewhere leaves valid, and a poisoned lock must not
//! turn one caught panic into a crash of every later call.

use std::sync::{Mutex, MutexGuard};

/// `mutex`'s guard, poisoned or not.
pub fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
