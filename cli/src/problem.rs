//! Why a command stops before its job is done: the one error type of the
//! CLI's setup and import engine. Every kind ends the command with
//! [`ExitStatus::Usage`] and, with `--output json`, the code `"usage"` (the
//! table in `--help`); the kinds keep what went wrong typed (the core's
//! error, the I/O error and the file it concerns) until it is printed.

use std::fmt;
use std::path::Path;

use crate::output::ExitStatus;

#[derive(Debug)]
pub enum Problem {
    /// What the user gave is wrong: a flag, an argument, a file's shape.
    Usage(String),
    /// A file (or standard input) could not be opened, read or written.
    File {
        /// The file, as the user named it, or the flag that named it.
        what: String,
        source: std::io::Error,
    },
    /// The core refused, in its words (a configuration, a request).
    Core(kapture_crm::Error),
    /// The run is refused to keep its promises: another import holds the
    /// file, the file changed since its journal was written, a failures
    /// file holds fixes not yet imported.
    Refused(String),
    /// The input could not be read as rows (the core's reader says why;
    /// step 15 gives that reader a typed error).
    Input(String),
    /// The journal could not be opened, read or written (the core's
    /// journal says why).
    Journal(String),
    /// A fault of the CLI's own (a task that died).
    Internal(String),
}

impl Problem {
    pub fn usage(message: impl Into<String>) -> Self {
        Self::Usage(message.into())
    }

    pub fn refused(message: impl Into<String>) -> Self {
        Self::Refused(message.into())
    }

    /// An I/O error on `path`.
    pub fn file(path: &Path, source: std::io::Error) -> Self {
        Self::File {
            what: path.display().to_string(),
            source,
        }
    }

    /// An I/O error on what `what` names (a flag: `--token-file -`).
    pub fn named(what: impl Into<String>, source: std::io::Error) -> Self {
        Self::File {
            what: what.into(),
            source,
        }
    }

    /// How the command ends.
    pub fn status(&self) -> ExitStatus {
        ExitStatus::Usage
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Usage(message)
            | Self::Refused(message)
            | Self::Input(message)
            | Self::Journal(message) => f.write_str(message),
            Self::File { what, source } => write!(f, "{what}: {source}"),
            Self::Core(error) => write!(f, "{error}"),
            Self::Internal(message) => write!(f, "internal error: {message}"),
        }
    }
}

impl std::error::Error for Problem {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::File { source, .. } => Some(source),
            Self::Core(error) => Some(error),
            _ => None,
        }
    }
}

impl From<kapture_crm::Error> for Problem {
    fn from(error: kapture_crm::Error) -> Self {
        Self::Core(error)
    }
}

/// `Problem::Usage(format!(...))`.
#[macro_export]
macro_rules! usage {
    ($($arg:tt)*) => { $crate::problem::Problem::Usage(format!($($arg)*)) };
}

/// `Problem::Refused(format!(...))`.
#[macro_export]
macro_rules! refused {
    ($($arg:tt)*) => { $crate::problem::Problem::Refused(format!($($arg)*)) };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_reads_as_the_message_the_user_was_shown_before_it_was_typed() {
        let missing = std::io::Error::new(std::io::ErrorKind::NotFound, "No such file");
        assert_eq!(
            Problem::file(Path::new("customers.csv"), missing).to_string(),
            "customers.csv: No such file"
        );
        let core = kapture_crm::Error::Config("no token".into());
        assert_eq!(
            Problem::from(core).to_string(),
            "configuration error: no token"
        );
        assert_eq!(
            Problem::Internal("row fed as 3, expected 2".into()).to_string(),
            "internal error: row fed as 3, expected 2"
        );
        assert_eq!(
            usage!("--rate {}: too fast", 9).to_string(),
            "--rate 9: too fast"
        );
        assert_eq!(usage!("x").status(), ExitStatus::Usage);
    }
}
