//! The input file as one file, whatever path leads to it, and one import of
//! it at a time.
//!
//! A file's identity: symbolic links are resolved to one path (the place of
//! its journal and failures file), and the file itself (device and inode,
//! which a hard link or `mv` keeps) carries the lock: an exclusive lock on
//! the input, taken before the journal is read or the failures file
//! touched, held for the whole run (released when the process ends, even
//! by `kill -9`). The content is the rest of it: the journal's header holds
//! a fingerprint of the file's first rows, and resume checks every row it
//! journaled (`crate::import`).

use std::fs::File;
use std::path::{Path, PathBuf};

use crate::own_files;
use crate::problem::Problem;
use crate::{refused, usage};

/// Held while the import runs.
pub struct InputLock {
    file: File,
    /// The input's path with every link resolved.
    pub canonical: PathBuf,
    /// Device and inode (0, 0 where there are none).
    pub id: (u64, u64),
}

impl InputLock {
    /// A path that opens the locked file itself, even if the name has been
    /// given to another file since (an editor's save during the run).
    pub fn reopen_path(&self) -> PathBuf {
        #[cfg(target_os = "linux")]
        {
            use std::os::fd::AsRawFd;
            let path = PathBuf::from(format!("/proc/self/fd/{}", self.file.as_raw_fd()));
            if path.exists() {
                return path;
            }
        }
        self.canonical.clone()
    }
}

/// Refuses at once, without opening it, an input that is not a regular
/// file: a pipe (`<(cat file)`, `/dev/stdin` from a pipe) or a device is
/// read only once, and opening a named pipe waits for a writer.
pub fn refuse_streams(input: &Path) -> Result<(), Problem> {
    let meta = std::fs::metadata(input).map_err(|e| Problem::file(input, e))?;
    if meta.is_file() {
        return Ok(());
    }
    let what = if meta.is_dir() {
        "a directory"
    } else {
        "a pipe or a device, not a file"
    };
    Err(usage!(
        "{} is {what}: kapture reads its input more than once (to check it, count it, \
         and resume from its journal), which a stream cannot give. Save it to a file \
         first (e.g. `cat ... > customers.csv`) and import that file.",
        input.display()
    ))
}

/// Locks `input`, or says at once that another import holds it.
pub fn lock_input(input: &Path) -> Result<InputLock, Problem> {
    refuse_streams(input)?;
    for _ in 0..5 {
        let canonical = std::fs::canonicalize(input).map_err(|e| Problem::file(input, e))?;
        let file = File::open(&canonical).map_err(|e| Problem::file(input, e))?;
        own_files::lock(&file, input, || {
            format!(
                "{}: another `kapture import` of this file is running (it holds the file's lock, \
                 whichever path or link it was given); nothing was sent and nothing was \
                 overwritten. Wait for it to finish, then run again to resume.",
                input.display()
            )
        })
        .map_err(Problem::Refused)?;
        // A file renamed over the path between open and lock is another
        // file: lock that one instead.
        if own_files::still_names(&canonical, &file) {
            let id = file_id(&file);
            return Ok(InputLock {
                file,
                canonical,
                id,
            });
        }
    }
    Err(refused!(
        "{}: the file keeps being replaced (saved by another program?); run again when it is not",
        input.display()
    ))
}

fn file_id(file: &File) -> (u64, u64) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        file.metadata().map_or((0, 0), |m| (m.dev(), m.ino()))
    }
    #[cfg(not(unix))]
    {
        let _ = file;
        (0, 0)
    }
}
