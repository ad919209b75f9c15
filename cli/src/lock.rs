//! One import of a file at a time: an exclusive lock on the input file,
//! taken before the journal is read or the failures file touched, and held
//! for the whole run (released when the process ends, even by `kill -9`).

use std::fs::{File, TryLockError};
use std::path::Path;

/// Held while the import runs.
pub struct InputLock {
    _file: File,
}

/// Locks `input`, or says at once that another import holds it.
pub fn lock_input(input: &Path) -> Result<InputLock, String> {
    let file = File::open(input).map_err(|e| format!("{}: {e}", input.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(InputLock { _file: file }),
        Err(TryLockError::WouldBlock) => Err(format!(
            "{}: another `kapture import` of this file is running (it holds the file's lock); \
             nothing was sent and nothing was overwritten. Wait for it to finish, then run \
             again to resume.",
            input.display()
        )),
        Err(TryLockError::Error(e)) => Err(format!("{}: cannot lock it: {e}", input.display())),
    }
}
