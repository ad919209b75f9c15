//! The core's log events into Python's `logging`: the target
//! `kapture_crm::http` goes to the logger `kapture_crm.http`, and so on, so
//! everything is under `kapture_crm`. Which levels are wanted is read from
//! those loggers at every call of the client (while the GIL is held
//! anyway), so a disabled level never crosses into Python.

use kapture_crm::log::{Forward, Record, Sink, Threshold};
use pyo3::prelude::*;
use tracing::Level;

static THRESHOLD: Threshold = Threshold::off();

const LOGGERS: [&str; 4] = [
    "kapture_crm.http",
    "kapture_crm.bulk",
    "kapture_crm.lookup",
    "kapture_crm.reconcile",
];

struct PythonLogging;

impl Sink for PythonLogging {
    fn enabled(&self, level: Level) -> bool {
        THRESHOLD.allows(level)
    }

    fn write(&self, record: Record) {
        let name = record.target.replace("::", ".");
        let level = match record.level {
            Level::ERROR => 40,
            Level::WARN => 30,
            Level::INFO => 20,
            _ => 10,
        };
        // Not while the interpreter shuts down; a failing handler is
        // logging's business (it reports it), never a panic here.
        let _ = Python::try_attach(|py| -> PyResult<()> {
            let logger = py.import("logging")?.call_method1("getLogger", (name,))?;
            logger.call_method1("log", (level, "%s", record.message))?;
            Ok(())
        });
    }
}

/// Every client's events go to Python's logging (a process-wide default:
/// this module's copy of `tracing` serves only this module).
pub fn install() {
    let _ = tracing::dispatcher::set_global_default(Forward::dispatch(PythonLogging));
}

/// Reads the loggers' effective levels: the most verbose one wins.
pub fn refresh(py: Python<'_>) {
    let lowest = (|| -> PyResult<i64> {
        let logging = py.import("logging")?;
        let mut lowest = i64::MAX;
        for name in LOGGERS {
            let level: i64 = logging
                .call_method1("getLogger", (name,))?
                .call_method0("getEffectiveLevel")?
                .extract()?;
            lowest = lowest.min(level);
        }
        Ok(lowest)
    })()
    .unwrap_or(i64::MAX);
    THRESHOLD.set(match lowest {
        i64::MIN..=10 => Some(Level::DEBUG),
        11..=20 => Some(Level::INFO),
        21..=30 => Some(Level::WARN),
        31..=40 => Some(Level::ERROR),
        _ => None,
    });
}
