//! The core's log events into Python's `logging`: the target
//! `kapture_crm::http` goes to the logger `kapture_crm.http`, and so on, so
//! everything is under `kapture_crm`. Which levels are wanted is read from
//! those loggers at every call of the client (while the GIL is held
//! anyway), so a disabled level never crosses into Python.

use kapture_crm::log::{Forward, Record, Sink, Threshold};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
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
        // logging's business (it reports it), never a panic here. On the
        // core's I/O thread this waits for the GIL, and every call in
        // flight with it: only for a level someone enabled.
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

/// The four loggers, looked up once: `logging.getLogger` takes logging's
/// lock and an import per call, and a logger, once made, is the same object
/// for the life of the process (its level may change; it is read each call).
static LOGGER_OBJECTS: PyOnceLock<Vec<Py<PyAny>>> = PyOnceLock::new();

fn loggers(py: Python<'_>) -> PyResult<&Vec<Py<PyAny>>> {
    LOGGER_OBJECTS.get_or_try_init(py, || {
        let get_logger = py.import("logging")?.getattr("getLogger")?;
        LOGGERS
            .iter()
            .map(|name| get_logger.call1((*name,)).map(Bound::unbind))
            .collect()
    })
}

/// Reads the loggers' effective levels: the most verbose one wins.
pub fn refresh(py: Python<'_>) {
    let lowest = (|| -> PyResult<i64> {
        let mut lowest = i64::MAX;
        for logger in loggers(py)? {
            let level: i64 = logger
                .bind(py)
                .call_method0(intern!(py, "getEffectiveLevel"))?
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
