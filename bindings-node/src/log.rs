//! The core's log events to a JavaScript logger: `lib/client.js` passes one
//! function `(level, target, message)` that calls `logger[level]`. Levels
//! are filtered here, so a disabled level never reaches the JS thread; the
//! function is called through a weak threadsafe function (it never keeps
//! the process alive) without waiting (never blocks the core).

use kapture_crm::log::{Forward, Record, Sink, Threshold};
use napi::bindgen_prelude::{FnArgs, Function};
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use tracing::{Dispatch, Level};

type Args = FnArgs<(String, String, String)>;
type Emit = ThreadsafeFunction<Args, (), Args, napi::Status, false, true>;

struct JsLogger {
    threshold: Threshold,
    emit: Option<Emit>,
}

impl Sink for JsLogger {
    fn enabled(&self, level: Level) -> bool {
        self.emit.is_some() && self.threshold.allows(level)
    }

    fn write(&self, record: Record) {
        let level = match record.level {
            Level::ERROR => "error",
            Level::WARN => "warn",
            Level::INFO => "info",
            _ => "debug",
        };
        if let Some(emit) = &self.emit {
            let args = (level.to_string(), record.target, record.message).into();
            let _ = emit.call(args, ThreadsafeFunctionCallMode::NonBlocking);
        }
    }
}

/// The client's own dispatch: every client gets one, off or not (see
/// `kapture_crm::log::Forward` for why). `level` is checked by the core's
/// rules; `name` is what the error calls it (`logLevel` or `KAPTURE_LOG`).
pub fn dispatch(
    name: &str,
    level: &str,
    emit: Option<Function<'_, Args, ()>>,
) -> napi::Result<Dispatch> {
    let level =
        kapture_crm::log::parse_level(name, level).map_err(|e| crate::error::to_napi(&e))?;
    let emit = match (level, emit) {
        (Some(_), Some(function)) => Some(
            function
                .build_threadsafe_function()
                .weak::<true>()
                .callee_handled::<false>()
                .build()?,
        ),
        _ => None,
    };
    Ok(Forward::dispatch(JsLogger {
        threshold: Threshold::new(level),
        emit,
    }))
}
