//! Opening the files kapture writes (a journal, the failures file, the
//! machine's rate state) so that it writes only its own: never through a symbolic link, at
//! any moment (the link is refused by the kernel at open, `O_NOFOLLOW`),
//! a new file created only if nothing is there (`O_EXCL`), and a lock that
//! is re-checked to be on the file the path still names.

use std::fs::{File, OpenOptions, TryLockError};
use std::io;
use std::path::Path;

#[cfg(unix)]
fn no_follow(options: &mut OpenOptions) -> &mut OpenOptions {
    use std::os::unix::fs::OpenOptionsExt;
    options.custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
}

#[cfg(not(unix))]
fn no_follow(options: &mut OpenOptions) -> &mut OpenOptions {
    options
}

/// Why an open failed, in words: a symbolic link is named as such.
pub fn explain(path: &Path, error: &io::Error) -> String {
    let is_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    if is_link {
        format!(
            "{} is a symbolic link; kapture never writes through one (it could overwrite \
             another file). Move it away and run again.",
            path.display()
        )
    } else {
        format!("{}: {error}", path.display())
    }
}

/// Opens an existing file of ours for reading and writing; `Ok(None)` when
/// there is none.
pub fn open_existing(path: &Path) -> Result<Option<File>, String> {
    match no_follow(OpenOptions::new().read(true).write(true)).open(path) {
        Ok(file) => regular(path, file).map(Some),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(explain(path, &e)),
    }
}

/// Creates a new file of ours: fails if anything (a file, a link, even a
/// dangling one) is at `path`.
pub fn create_new(path: &Path) -> Result<File, String> {
    no_follow(OpenOptions::new().read(true).write(true).create_new(true))
        .open(path)
        .map_err(|e| match e.kind() {
            io::ErrorKind::AlreadyExists => {
                let what = explain(path, &e);
                if what.contains("symbolic link") {
                    what
                } else {
                    format!(
                        "{}: appeared while kapture was creating it; nothing was written to it",
                        path.display()
                    )
                }
            }
            _ => explain(path, &e),
        })
}

fn regular(path: &Path, file: File) -> Result<File, String> {
    let meta = file
        .metadata()
        .map_err(|e| format!("{}: {e}", path.display()))?;
    if meta.is_file() {
        Ok(file)
    } else {
        Err(format!(
            "{} is not a regular file; kapture writes only to a file of its own. Move it away \
             and run again.",
            path.display()
        ))
    }
}

/// Takes `file`'s exclusive lock, held until it is closed (or the process
/// ends, even by `kill -9`); `busy` says what holds it.
pub fn lock(file: &File, path: &Path, busy: impl FnOnce() -> String) -> Result<(), String> {
    match file.try_lock() {
        Ok(()) => Ok(()),
        Err(TryLockError::WouldBlock) => Err(busy()),
        Err(TryLockError::Error(e)) => Err(format!("{}: cannot lock it: {e}", path.display())),
    }
}

/// Whether `path` still names the open `file` (not a file put in its place
/// since it was opened: an editor's save renames a new file over the old).
pub fn still_names(path: &Path, file: &File) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (std::fs::symlink_metadata(path), file.metadata()) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (path, file);
        true
    }
}
