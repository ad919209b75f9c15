//! Which journal an import reads and writes: one per file and CRM.
//!
//! The journal sits beside the input's path with links resolved
//! (`journal::path_for`). A file moved or hard-linked elsewhere is the same
//! file: the last path each file (device and inode) was imported under is
//! remembered in kapture's state folder, and its journal is found there,
//! if that journal's fingerprint is the file's (an inode reused by another
//! file is not the same file). The journal is opened without following
//! links and locked; a path that names another file once the lock is held
//! (an editor saved over it) is opened again.

use std::fs::File;
use std::path::{Path, PathBuf};

use serde_json::json;

use crate::destination::Destination;
use crate::journal::{self, Past};
use crate::lock::InputLock;
use crate::own_files;
use crate::problem::Problem;
use crate::refused;

/// A journal found, locked and read.
pub struct Opened {
    pub path: PathBuf,
    /// The input path the journal belongs to (where it was first imported).
    pub base: PathBuf,
    /// Locked; `None` when a dry run found no journal.
    pub file: Option<File>,
    pub past: Past,
    /// The header line to write first (a new journal), or a key's new check.
    pub header: Option<serde_json::Value>,
    /// Said on stderr before anything is sent.
    pub notes: Vec<String>,
}

pub struct Want<'a> {
    pub input: &'a InputLock,
    /// The input's path as given (for messages).
    pub given: &'a Path,
    pub destination: &'a Destination,
    /// A workbook's sheet: each sheet has a journal of its own.
    pub sheet: Option<&'a str>,
    /// The file's content fingerprint (`journal::fingerprint`).
    pub fingerprint: &'a str,
    /// The API key's check with a salt (`Config::key_check`).
    pub key_check: &'a dyn Fn(&str) -> Option<String>,
    /// A temporary journal of its own (`--sandbox`): created new.
    pub temporary: Option<&'a Path>,
    pub dry_run: bool,
    pub resume: bool,
}

/// kapture's own state: `KAPTURE_STATE_DIR`, else `$XDG_STATE_HOME/kapture`,
/// else `~/.local/state/kapture`.
pub fn state_dir() -> Option<PathBuf> {
    let var = |name| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    var("KAPTURE_STATE_DIR")
        .or_else(|| var("XDG_STATE_HOME").map(|d| d.join("kapture")))
        .or_else(|| var("HOME").map(|h| h.join(".local/state/kapture")))
}

fn remembered_at(id: (u64, u64)) -> Option<PathBuf> {
    (id != (0, 0))
        .then(|| state_dir().map(|d| d.join("files").join(format!("{}-{}", id.0, id.1))))?
}

/// The path this file was last imported under, if any.
fn remembered(id: (u64, u64)) -> Option<PathBuf> {
    let bytes = std::fs::read(remembered_at(id)?).ok()?;
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        Some(PathBuf::from(std::ffi::OsStr::from_bytes(
            bytes.trim_ascii_end(),
        )))
    }
    #[cfg(not(unix))]
    {
        Some(PathBuf::from(String::from_utf8(bytes).ok()?.trim_end()))
    }
}

/// Remembers where this file (device and inode) is journaled. Written to a
/// new file and renamed into place; a failure only costs recognising the
/// file under another path later, so it is a warning.
pub fn remember(id: (u64, u64), base: &Path) -> Result<(), Problem> {
    let Some(at) = remembered_at(id) else {
        return Ok(());
    };
    let write = || -> std::io::Result<()> {
        let dir = at.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir)?;
        let temp = dir.join(format!(".{}-{}", std::process::id(), fastrand::u64(..)));
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)?;
        #[cfg(unix)]
        {
            use std::os::unix::ffi::OsStrExt;
            std::io::Write::write_all(&mut file, base.as_os_str().as_bytes())?;
        }
        #[cfg(not(unix))]
        std::io::Write::write_all(&mut file, base.display().to_string().as_bytes())?;
        drop(file);
        std::fs::rename(&temp, &at).inspect_err(|_| {
            let _ = std::fs::remove_file(&temp);
        })
    };
    write().map_err(|e| {
        refused!(
            "cannot remember this file in {} ({e}); importing it later through another path \
             (a link, after a move) would not find its journal",
            at.display()
        )
    })
}

/// The journal an import of `want.input` uses for `want.destination`.
pub fn open(want: &Want) -> Result<Opened, Problem> {
    let mut notes = Vec::new();
    let own = journal::path_for(&want.input.canonical, want.sheet, want.destination);
    let mut base = want.input.canonical.clone();
    let path = match want.temporary {
        Some(temporary) => temporary.to_path_buf(),
        None if exists(&own) => own,
        None => match moved_from(want) {
            Some((moved, found)) => {
                base = moved;
                notes.push(format!(
                    "{} was imported before as {} (moved or linked since): resuming its journal {}",
                    want.given.display(),
                    base.display(),
                    found.display()
                ));
                found
            }
            None => {
                let legacy = journal::legacy_path_for(&want.input.canonical);
                if want.sheet.is_none() && exists(&legacy) {
                    return Err(refused!(
                        "{} was written by an earlier kapture that did not record which CRM it \
                         belongs to; nothing was sent. If it was for {}, rename it to {} and \
                         run again to resume; otherwise move it away.",
                        legacy.display(),
                        want.destination.describe(),
                        own.display()
                    ));
                }
                own
            }
        },
    };
    if want.temporary.is_none() && !want.resume && exists(&path) {
        return Err(refused!(
            "{} exists from an earlier run; resume (the default) or move it away to start over",
            path.display()
        ));
    }
    let (file, past) = match lock_journal(&path, want)? {
        Some((mut file, fresh)) => {
            let past = journal::recover_file(&mut file, &path).map_err(Problem::Journal)?;
            if fresh && !past.is_empty() {
                return Err(refused!(
                    "{}: appeared while kapture was creating it",
                    path.display()
                ));
            }
            (Some(file), past)
        }
        None => (None, Past::default()),
    };
    let header = check_header(&path, &past, want, &mut notes)?;
    Ok(Opened {
        path,
        base,
        file,
        past,
        header,
        notes,
    })
}

fn exists(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok()
}

/// The journal of this file under the path it was last imported as, when
/// that journal exists, is for this CRM and has this file's fingerprint.
fn moved_from(want: &Want) -> Option<(PathBuf, PathBuf)> {
    let base = remembered(want.input.id)?;
    if base == want.input.canonical {
        return None;
    }
    let path = journal::path_for(&base, want.sheet, want.destination);
    let past = journal::recover_read_only(&path).ok()?;
    let header = past.header?;
    (header.fingerprint.as_deref() == Some(want.fingerprint)).then_some((base, path))
}

/// Opens (or creates) the journal without following links and takes its
/// lock; `(file, created)`. A dry run creates nothing.
fn lock_journal(path: &Path, want: &Want) -> Result<Option<(File, bool)>, Problem> {
    for _ in 0..5 {
        let (file, created) = if want.temporary.is_some() {
            (own_files::create_new(path).map_err(Problem::Journal)?, true)
        } else {
            match own_files::open_existing(path).map_err(Problem::Journal)? {
                Some(file) => (file, false),
                None if want.dry_run => return Ok(None),
                None => match own_files::create_new(path) {
                    Ok(file) => (file, true),
                    // Another run created it meanwhile: open that one.
                    Err(_) if exists(path) => continue,
                    Err(e) => return Err(Problem::Journal(e)),
                },
            }
        };
        own_files::lock(&file, path, || {
            format!(
                "{}: another `kapture import` of this file is running (it holds the journal's \
                 lock); nothing was sent and nothing was overwritten. Wait for it to finish, \
                 then run again to resume.",
                want.given.display()
            )
        })
        .map_err(Problem::Refused)?;
        if own_files::still_names(path, &file) {
            return Ok(Some((file, created)));
        }
    }
    Err(refused!(
        "{}: the journal keeps being replaced while kapture opens it; nothing was sent",
        path.display()
    ))
}

/// Checks the journal is this CRM's and this file's; the header line a new
/// journal (or a new key) needs.
fn check_header(
    path: &Path,
    past: &Past,
    want: &Want,
    notes: &mut Vec<String>,
) -> Result<Option<serde_json::Value>, Problem> {
    let Some(header) = &past.header else {
        if !past.is_empty() {
            return Err(refused!(
                "{} has no header line (not a journal of this kapture?); nothing was sent. \
                 Move it away to start over.",
                path.display()
            ));
        }
        let salt = format!("{:016x}", fastrand::u64(..));
        return Ok(Some(journal::header_line(
            want.destination,
            &want.input.canonical,
            want.fingerprint,
            &salt,
            (want.key_check)(&salt).as_deref(),
        )));
    };
    match &header.destination {
        Some(theirs) if theirs == want.destination => {}
        Some(theirs) => {
            return Err(refused!(
                "{} belongs to {}, not {}; nothing was sent. Move it away if it was renamed \
                 by hand.",
                path.display(),
                theirs.describe(),
                want.destination.describe()
            ));
        }
        None => {
            return Err(refused!(
                "{} does not say which CRM it belongs to (written by an earlier kapture); \
                 nothing was sent. Move it away to start over.",
                path.display()
            ));
        }
    }
    if header.fingerprint.as_deref() != Some(want.fingerprint) && !past.is_empty() {
        return Err(refused!(
            "{} belongs to other content than {} (its first rows differ: another file under \
             the same name, or the top of the file was edited); refusing to resume (nothing \
             was sent). Restore the file, or move the journal away to import this one from \
             the start.",
            path.display(),
            want.given.display()
        ));
    }
    let salt = header.salt.clone().unwrap_or_default();
    let key = (want.key_check)(&salt);
    if key.is_some() && header.key.is_some() && key != header.key {
        notes.push(format!(
            "the API key differs from the one {} was written with (a rotated key of the same \
             CRM); going on",
            path.display()
        ));
        return Ok(Some(
            json!({"kapture_journal": journal::VERSION, "key": key}),
        ));
    }
    Ok(None)
}
