//! The core's log events into Python's `logging`: the target
//! `kapture_crm::http` goes to the logger `kapture_crm.http`, and so on, so
//! everything is under `kapture_crm`; each record's fields are its `extra`. Which levels are wanted is checked at
//! every call of the client (while the GIL is held anyway), and read from
//! those loggers when `logging` says a level changed (`refresh`), so a
//! disabled level never crosses into Python.

use kapture_crm::log::{Forward, Names, Record, Sink, Threshold};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyDict;
use tracing::Level;

static THRESHOLD: Threshold = Threshold::off();

/// The Python logger of a core target: `kapture_crm::http` is
/// `kapture_crm.http`.
fn logger_name(target: &str) -> String {
    target.replace("::", ".")
}

/// A core level as Python's `logging` numbers it (trace is debug there).
fn python_level(level: Level) -> i32 {
    match level {
        Level::ERROR => 40,
        Level::WARN => 30,
        Level::INFO => 20,
        _ => 10,
    }
}

/// The `logging` level `KAPTURE_LOG` asks for (`None`: off or unset), read
/// and checked by the core; a bad value raises `ConfigError` (the package
/// turns it into a warning at import).
#[pyfunction]
pub fn _log_level_from_env() -> PyResult<Option<i32>> {
    kapture_crm::log::env_level()
        .map(|level| level.map(python_level))
        .map_err(crate::error::to_pyerr)
}

struct PythonLogging;

impl Sink for PythonLogging {
    fn enabled(&self, level: Level) -> bool {
        THRESHOLD.allows(level)
    }

    fn write(&self, record: Record) {
        let name = logger_name(&record.target);
        let level = python_level(record.level);
        // Not while the interpreter shuts down; a failing handler is
        // logging's business (it reports it), never a panic here. On the
        // core's I/O thread this waits for the GIL, and every call in
        // flight with it: only for a level someone enabled.
        let _ = Python::try_attach(|py| -> PyResult<()> {
            let logger = py.import("logging")?.call_method1("getLogger", (name,))?;
            // The fields as `extra`: attributes of the LogRecord
            // (`record.latency_ms`), for a JSON formatter or a filter.
            let extra = PyDict::new(py);
            for (key, value) in record.fields_json(Names::Snake) {
                extra.set_item(key, crate::convert::to_python(py, &value)?)?;
            }
            let kwargs = PyDict::new(py);
            kwargs.set_item("extra", extra)?;
            logger.call_method("log", (level, "%s", record.message), Some(&kwargs))?;
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
        kapture_crm::log::TARGETS
            .iter()
            .map(|target| get_logger.call1((logger_name(target),)).map(Bound::unbind))
            .collect()
    })
}

/// Reads the loggers' effective levels (the most verbose one wins) when
/// they may have changed since the last read.
///
/// Reading them costs four Python method calls at every call, for levels
/// that almost never change. So a mark is left in the first logger's
/// `_cache`, the dict `logging` keeps for `isEnabledFor` and empties in every
/// logger whenever a level changes (`setLevel`, `logging.disable`,
/// `dictConfig`): while the mark is there, the levels read last still hold,
/// exactly as `logging`'s own `isEnabledFor` trusts its cache. The mark is
/// left before the read, so a change during the read empties it again. A
/// `logging` without that dict is read at every call.
pub fn refresh(py: Python<'_>) {
    if unchanged_since_last_read(py) {
        return;
    }
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

/// The key of the mark: an object of this module's own, so it can never be
/// a level `logging` caches.
static MARK: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// Whether the mark is still in `logging`'s cache; if not, it is left
/// there now and the caller reads the levels.
fn unchanged_since_last_read(py: Python<'_>) -> bool {
    (|| -> PyResult<bool> {
        let mark = MARK.get_or_try_init(py, || {
            py.import("builtins")?
                .getattr("object")?
                .call0()
                .map(Bound::unbind)
        })?;
        let Some(first) = loggers(py)?.first() else {
            return Ok(false);
        };
        let cache = first.bind(py).getattr(intern!(py, "_cache"))?;
        let cache = cache.cast::<PyDict>()?;
        if cache.contains(mark)? {
            return Ok(true);
        }
        cache.set_item(mark, true)?;
        Ok(false)
    })()
    .unwrap_or(false)
}
