//! The core's log events to a JavaScript logger: `lib/client.js` passes one
//! function `(level, target, message, fields, line)` that calls
//! `logger[level]`; `fields` is the record's fields as a JSON object with
//! JavaScript's names (`latencyMs`), `line` the one line of text a logger
//! that takes only a string is given. Levels
//! are filtered here, so a disabled level never reaches the JS thread; the
//! function is called through a weak threadsafe function (it never keeps
//! the process alive) without waiting (never blocks the core).

use kapture_crm::log::{Forward, Names, Record, Sink, Threshold};
use napi::bindgen_prelude::{FnArgs, Function};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use tracing::{Dispatch, Level};

pub type Args = FnArgs<(String, String, String, String, String)>;
type Emit = ThreadsafeFunction<Args, (), Args, napi::Status, false, true>;

/// Where a client's log records go: the logger's threadsafe function, or
/// nothing while the client is idle. `lib/client.js` detaches it once the
/// client has had no call for a turn of the event loop and attaches it
/// again at the next call, so nothing of an idle client stays open (`jest
/// --detectOpenHandles`); records come only during calls.
#[derive(Default)]
pub struct LogSlot {
    emit: std::sync::Mutex<Option<Emit>>,
    /// False when the level is `off`: nothing is ever attached.
    on: bool,
}

impl LogSlot {
    fn emit(&self) -> std::sync::MutexGuard<'_, Option<Emit>> {
        self.emit.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Lets go of the logger's threadsafe function.
    pub fn detach(&self) {
        drop(self.emit().take());
    }

    /// Makes the logger's threadsafe function again (after `detach`).
    pub fn attach(&self, function: Function<'_, Args, ()>) -> napi::Result<()> {
        let mut emit = self.emit();
        if self.on && emit.is_none() {
            *emit = Some(threadsafe(function)?);
        }
        Ok(())
    }
}

fn threadsafe(function: Function<'_, Args, ()>) -> napi::Result<Emit> {
    function
        .build_threadsafe_function()
        .weak::<true>()
        .callee_handled::<false>()
        .build()
}

struct JsLogger {
    threshold: Threshold,
    slot: std::sync::Arc<LogSlot>,
}

impl Sink for JsLogger {
    fn enabled(&self, level: Level) -> bool {
        self.slot.on && self.threshold.allows(level)
    }

    fn write(&self, record: Record) {
        let level = match record.level {
            Level::ERROR => "error",
            Level::WARN => "warn",
            Level::INFO => "info",
            _ => "debug",
        };
        if let Some(emit) = self.slot.emit().as_ref() {
            let fields = serde_json::Value::Object(record.fields_json(Names::Camel)).to_string();
            let line = record.line();
            let args = (
                level.to_string(),
                record.target,
                record.message,
                fields,
                line,
            )
                .into();
            let _ = emit.call(args, ThreadsafeFunctionCallMode::NonBlocking);
        }
    }
}

/// The client's own dispatch: every client gets one, off or not (see
/// `kapture_crm::log::Forward` for why), and the slot its logger is
/// attached to. `level` is checked by the core's rules; `name` is what the
/// error calls it (`logLevel` or `KAPTURE_LOG`).
pub fn dispatch(
    name: &str,
    level: &str,
    emit: Option<Function<'_, Args, ()>>,
) -> napi::Result<(Dispatch, std::sync::Arc<LogSlot>)> {
    let level =
        kapture_crm::log::parse_level(name, level).map_err(|e| crate::error::to_napi(&e))?;
    // Attached at the first call (`LogSlot::attach`), not here: a client
    // made and never used holds nothing open.
    let slot = std::sync::Arc::new(LogSlot {
        emit: std::sync::Mutex::new(None),
        on: level.is_some() && emit.is_some(),
    });
    let dispatch = Forward::dispatch(JsLogger {
        threshold: Threshold::new(level),
        slot: slot.clone(),
    });
    Ok((dispatch, slot))
}
