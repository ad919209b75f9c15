//! `-v`, `-vv` and `--log-file`: the core's log events (see
//! `kapture_crm::log`) as lines on stderr, above the progress bar, or
//! appended to a file. Without `-v` the level comes from `KAPTURE_LOG`, as
//! in the libraries; with neither, nothing is logged (the summary says what
//! happened).

use std::io::Write;
use std::path::Path;
use std::sync::Mutex;

use crate::problem::Problem;
use kapture_crm::log::{Forward, Record, Sink, Threshold};
use tracing::Level;

struct Lines {
    threshold: Threshold,
    file: Option<Mutex<std::fs::File>>,
}

impl Sink for Lines {
    fn enabled(&self, level: Level) -> bool {
        self.threshold.allows(level)
    }

    fn write(&self, record: Record) {
        let line = format!("{:<5} {}: {}", record.level, record.target, record.line());
        match &self.file {
            Some(file) => {
                let mut file = kapture_crm::sync::lock(file);
                let _ = writeln!(file, "{} {line}", seconds_now());
            }
            // Above the bar, not through it.
            None => crate::progress::above_bar(|| eprintln!("kapture: {line}")),
        }
    }
}

/// Seconds since the epoch with milliseconds, for the log file.
fn seconds_now() -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    format!("{}.{:03}", now.as_secs(), now.subsec_millis())
}

/// Sends the process's log events where the flags say. `verbose` counts
/// `-v`; a log file without `-v` gets info.
pub fn install(verbose: u8, log_file: Option<&Path>) -> Result<(), Problem> {
    let level = match verbose {
        0 => match std::env::var("KAPTURE_LOG") {
            Ok(value) if !value.trim().is_empty() => {
                kapture_crm::log::parse_level("KAPTURE_LOG", &value)?
            }
            _ if log_file.is_some() => Some(Level::INFO),
            _ => None,
        },
        1 => Some(Level::INFO),
        _ => Some(Level::DEBUG),
    };
    if level.is_none() {
        return Ok(());
    }
    let file = log_file
        .map(|path| {
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map(Mutex::new)
                .map_err(|e| Problem::named(format!("--log-file {}", path.display()), e))
        })
        .transpose()?;
    let sink = Lines {
        threshold: Threshold::new(level),
        file,
    };
    tracing::dispatcher::set_global_default(Forward::dispatch(sink))
        .map_err(|e| Problem::Internal(format!("cannot set up logging: {e}")))
}
