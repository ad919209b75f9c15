//! What the client tells about its work, as `tracing` events, and the one
//! forwarder every front end hands them on with (Python's `logging`, a
//! JavaScript logger, the CLI's stderr or log file).
//!
//! Targets and levels:
//!
//! | target                    | level | event                                                 |
//! |---------------------------|-------|-------------------------------------------------------|
//! | `kapture_crm::http`       | debug | every attempt: path, attempt, status or error, latency |
//! | `kapture_crm::http`       | info  | a retry, with its reason and delay                    |
//! | `kapture_crm::http`       | warn  | a failure whose outcome is unknown; a `Retry-After` too long to wait |
//! | `kapture_crm::bulk`       | warn  | the bulk pace halved after a 429/503                  |
//! | `kapture_crm::bulk`       | info  | the bulk pace back at its limit                       |
//! | `kapture_crm::lookup`     | debug | a Get Customer decision (found, not found)            |
//! | `kapture_crm::reconcile`  | info  | `kapture import --reconcile`: what each unknown row turned out to be |
//!
//! Never logged: the token, the Authorization header, default header
//! values, request bodies. Phone numbers and emails are masked
//! (`93******87`, `a***@example.com`) wherever they appear in a message,
//! at every level.

use std::fmt::{self, Write as _};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record as SpanRecord};
use tracing::subscriber::Interest;
use tracing::{Dispatch, Event, Level, Metadata, Subscriber};

pub const TARGET_HTTP: &str = "kapture_crm::http";
pub const TARGET_BULK: &str = "kapture_crm::bulk";
pub const TARGET_LOOKUP: &str = "kapture_crm::lookup";
pub const TARGET_RECONCILE: &str = "kapture_crm::reconcile";
/// Every target the crate logs under (a front end maps them to its own
/// logger names: Python's `kapture_crm.http`...).
pub const TARGETS: [&str; 4] = [TARGET_HTTP, TARGET_BULK, TARGET_LOOKUP, TARGET_RECONCILE];
/// The variable that turns logging on for every front end.
pub const ENV_LOG: &str = "KAPTURE_LOG";

/// The level `KAPTURE_LOG` asks for (`None`: off or unset); the error names
/// the variable and what it accepts. Each front end decides what a bad
/// value does (Python and Node: a warning, never an error at import).
pub fn env_level() -> Result<Option<Level>, crate::Error> {
    match std::env::var(ENV_LOG) {
        Ok(value) => parse_level(ENV_LOG, &value),
        Err(_) => Ok(None),
    }
}

/// `9845012387` as `98******87`: the first two and last two digits kept
/// (fewer when it is short), every other digit a `*`, punctuation as it is.
pub fn mask_phone(phone: &str) -> String {
    // Digits are counted and masked whatever the punctuation between them
    // ("(984) 501-2345"); the punctuation is kept.
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    let keep = if digits >= 8 { 2 } else { digits / 4 };
    let mut seen = 0;
    phone
        .chars()
        .map(|c| {
            if !c.is_ascii_digit() {
                return c;
            }
            seen += 1;
            if seen <= keep || seen > digits - keep {
                c
            } else {
                '*'
            }
        })
        .collect()
}

/// `asha@example.com` as `a***@example.com`.
pub fn mask_email(email: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => {
            let first: String = local.chars().take(1).collect();
            format!("{first}***@{domain}")
        }
        None => mask_phone(email),
    }
}

/// Free text (an error message, a server's words) with every email and
/// every run of 6 or more digits (spaces, dashes and a leading `+` inside
/// it allowed) masked.
pub fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, word) in text.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        if word.contains('@') {
            // Keep the punctuation around an address ("<a@b.co>,").
            let start = word.find(|c: char| c.is_alphanumeric()).unwrap_or(0);
            let end = word
                .rfind(|c: char| c.is_alphanumeric())
                .map_or(word.len(), |e| e + 1);
            if start < end {
                out.push_str(&word[..start]);
                out.push_str(&mask_email(&word[start..end]));
                out.push_str(&word[end..]);
                continue;
            }
        }
        out.push_str(word);
    }
    mask_digit_runs(&out)
}

fn mask_digit_runs(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit()
            || (matches!(chars[i], '+' | '(') && chars.get(i + 1).is_some_and(char::is_ascii_digit))
        {
            // The run: digits, with up to two of the punctuation phones are
            // written with (spaces, dashes, dots, slashes, brackets) between
            // them: "+91 98450 12345", "(984) 501-2345".
            let mut end = i + 1;
            let mut digits = usize::from(chars[i].is_ascii_digit());
            while end < chars.len() {
                if chars[end].is_ascii_digit() {
                    digits += 1;
                    end += 1;
                    continue;
                }
                let gap = chars[end..]
                    .iter()
                    .take(3)
                    .position(|c| !matches!(c, ' ' | '-' | '.' | '/' | '(' | ')'))
                    .unwrap_or(0);
                if (1..=2).contains(&gap) && chars.get(end + gap).is_some_and(char::is_ascii_digit)
                {
                    end += gap;
                } else {
                    break;
                }
            }
            let run: String = chars[i..end].iter().collect();
            if digits >= 6 {
                out.push_str(&mask_phone(&run));
            } else {
                out.push_str(&run);
            }
            i = end;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

/// An event as a front end receives it: its message, and its fields as
/// values of their own (a structured logger keeps them as fields; a line
/// of text appends them, [`Record::line`]).
#[derive(Debug, Clone)]
pub struct Record {
    pub level: Level,
    pub target: String,
    /// The message alone.
    pub message: String,
    /// Every other field, in the order the event gives them, under the
    /// core's snake_case names ([`Record::fields_json`] spells them for a
    /// front end).
    pub fields: Vec<(&'static str, FieldValue)>,
}

/// A field's value, typed as it was recorded.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldValue {
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    Text(String),
}

impl fmt::Display for FieldValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldValue::Bool(v) => write!(f, "{v}"),
            FieldValue::Int(v) => write!(f, "{v}"),
            FieldValue::Uint(v) => write!(f, "{v}"),
            FieldValue::Float(v) => write!(f, "{v}"),
            FieldValue::Text(v) => f.write_str(v),
        }
    }
}

impl FieldValue {
    fn to_json(&self) -> serde_json::Value {
        match self {
            FieldValue::Bool(v) => (*v).into(),
            FieldValue::Int(v) => (*v).into(),
            FieldValue::Uint(v) => (*v).into(),
            FieldValue::Float(v) => serde_json::Number::from_f64(*v)
                .map_or_else(|| v.to_string().into(), serde_json::Value::Number),
            FieldValue::Text(v) => v.as_str().into(),
        }
    }
}

/// How a front end's language spells a field's name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Names {
    /// As the core does, and Python: `latency_ms`.
    Snake,
    /// JavaScript: `latencyMs`.
    Camel,
}

impl Record {
    /// The message, then each field it does not already show word for word
    /// as ` key=value`: one line of text (the CLI's stderr and log file),
    /// with nothing said twice.
    pub fn line(&self) -> String {
        let shown: std::collections::HashSet<&str> = self
            .message
            .split(|c: char| c.is_whitespace() || matches!(c, ':' | ',' | ';' | '(' | ')'))
            .filter(|w| !w.is_empty())
            .collect();
        let mut line = self.message.clone();
        for (name, value) in &self.fields {
            let text = value.to_string();
            if !shown.contains(text.as_str()) {
                let _ = write!(line, " {name}={text}");
            }
        }
        line
    }

    /// The fields as a JSON object, names spelled as `names` asks.
    pub fn fields_json(&self, names: Names) -> serde_json::Map<String, serde_json::Value> {
        self.fields
            .iter()
            .map(|(name, value)| {
                let key = match names {
                    Names::Snake => (*name).to_string(),
                    Names::Camel => camel_case(name),
                };
                (key, value.to_json())
            })
            .collect()
    }
}

/// `latency_ms` as `latencyMs`.
fn camel_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut upper = false;
    for c in name.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// Where a front end wants the events: which levels, and what to do with
/// a record. `enabled` is asked before a record is built, so a disabled
/// level costs no formatting and no call into Python or JavaScript.
pub trait Sink: Send + Sync + 'static {
    fn enabled(&self, level: Level) -> bool;
    fn write(&self, record: Record);
}

/// A level threshold that can change while clients run (Python's
/// `logger.setLevel`): 0 off, 1 error, 2 warn, 3 info, 4 debug, 5 trace.
#[derive(Debug, Default)]
pub struct Threshold(AtomicUsize);

impl Threshold {
    /// Off; usable in a `static`.
    pub const fn off() -> Self {
        Self(AtomicUsize::new(0))
    }

    pub fn new(level: Option<Level>) -> Self {
        let threshold = Self::default();
        threshold.set(level);
        threshold
    }

    /// `None` is off.
    pub fn set(&self, level: Option<Level>) {
        self.0.store(level.map_or(0, rank), Ordering::Relaxed);
    }

    pub fn allows(&self, level: Level) -> bool {
        rank(level) <= self.0.load(Ordering::Relaxed)
    }
}

fn rank(level: Level) -> usize {
    match level {
        Level::ERROR => 1,
        Level::WARN => 2,
        Level::INFO => 3,
        Level::DEBUG => 4,
        _ => 5,
    }
}

/// `off`, `error`, `warn`, `info`, `debug` (any case; `warning` too) as a
/// level, `None` for off; a clear error naming `name` otherwise.
pub fn parse_level(name: &str, value: &str) -> Result<Option<Level>, crate::Error> {
    match value.trim().to_ascii_lowercase().as_str() {
        "off" | "none" | "" => Ok(None),
        "error" => Ok(Some(Level::ERROR)),
        "warn" | "warning" => Ok(Some(Level::WARN)),
        "info" => Ok(Some(Level::INFO)),
        "debug" => Ok(Some(Level::DEBUG)),
        "trace" => Ok(Some(Level::TRACE)),
        _ => Err(crate::Error::Config(format!(
            "{name} must be one of off, error, warn, info, debug, got {:?}",
            crate::server_text::cut(value, 40)
        ))),
    }
}

/// A `tracing` subscriber that hands this crate's events (and only them)
/// to a [`Sink`]. Spans are not kept: the crate emits none.
///
/// A front end that gives some clients a dispatch of their own should give
/// every client one (with a sink at no level where logging is off):
/// `tracing` caches whether a call site is wanted when it is first hit, and
/// while a single dispatcher exists it asks only the thread's default, so a
/// first hit from a client without one could silence that event for all.
pub struct Forward<S: Sink>(S);

impl<S: Sink> Forward<S> {
    pub fn dispatch(sink: S) -> Dispatch {
        Dispatch::new(Forward(sink))
    }
}

fn ours(metadata: &Metadata<'_>) -> bool {
    let target = metadata.target();
    target == "kapture_crm" || target.starts_with("kapture_crm::")
}

impl<S: Sink> Subscriber for Forward<S> {
    fn register_callsite(&self, metadata: &'static Metadata<'static>) -> Interest {
        if ours(metadata) {
            // Asked every time: the sink's level may change.
            Interest::sometimes()
        } else {
            Interest::never()
        }
    }

    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        ours(metadata) && self.0.enabled(*metadata.level())
    }

    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }

    fn record(&self, _: &Id, _: &SpanRecord<'_>) {}

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let metadata = event.metadata();
        if !self.enabled(metadata) {
            return;
        }
        let mut fields = Fields::default();
        event.record(&mut fields);
        self.0.write(Record {
            level: *metadata.level(),
            target: metadata.target().to_string(),
            message: fields.message,
            fields: fields.fields,
        });
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}

#[derive(Default)]
struct Fields {
    message: String,
    fields: Vec<(&'static str, FieldValue)>,
}

impl Visit for Fields {
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.fields.push((field.name(), FieldValue::Bool(value)));
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.fields.push((field.name(), FieldValue::Int(value)));
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.fields.push((field.name(), FieldValue::Uint(value)));
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.fields.push((field.name(), FieldValue::Float(value)));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.message.push_str(value);
        } else {
            self.fields
                .push((field.name(), FieldValue::Text(value.to_string())));
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.message, "{value:?}");
        } else {
            self.fields
                .push((field.name(), FieldValue::Text(format!("{value:?}"))));
        }
    }
}

/// Where a client's events go: the caller's `tracing` subscriber, or the
/// dispatch its front end gave (a JavaScript client's own logger).
#[derive(Clone, Default)]
pub(crate) struct Emitter(Option<Arc<Dispatch>>);

impl Emitter {
    pub(crate) fn new(dispatch: Option<Dispatch>) -> Self {
        Self(dispatch.map(Arc::new))
    }

    pub(crate) fn emit(&self, event: impl FnOnce()) {
        match &self.0 {
            Some(dispatch) => tracing::dispatcher::with_default(dispatch, event),
            None => event(),
        }
    }
}

impl fmt::Debug for Emitter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_some() {
            "Emitter(own)"
        } else {
            "Emitter(global)"
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_and_emails_are_masked() {
        assert_eq!(mask_phone("9345678987"), "93******87");
        assert_eq!(mask_phone("+919845012345"), "+91********45");
        assert_eq!(mask_phone("(984) 501-2345"), "(98*) ***-**45");
        assert_eq!(mask_email("asha@example.com"), "a***@example.com");
        assert_eq!(
            redact("Customer asha@example.com with phone +91 98450 12345 exists (id 12)"),
            "Customer a***@example.com with phone +91 ***** ***45 exists (id 12)"
        );
        assert_eq!(redact("<b@x.in>, 9845012345."), "<b***@x.in>, 98******45.");
        // Bracketed area codes, dots and slashes: every digit but the ends.
        assert_eq!(redact("call (984) 501-2345 now"), "call (98*) ***-**45 now");
        assert_eq!(redact("tel 984.501.2345/6"), "tel 98*.***.***5/6");
        assert_eq!(
            redact("429 after 3 s, attempt 2"),
            "429 after 3 s, attempt 2"
        );
    }

    #[test]
    fn levels_parse_and_order() {
        assert_eq!(
            parse_level("KAPTURE_LOG", "Debug").unwrap(),
            Some(Level::DEBUG)
        );
        assert_eq!(parse_level("KAPTURE_LOG", "off").unwrap(), None);
        let err = parse_level("logLevel", "loud").unwrap_err().to_string();
        assert!(
            err.contains("logLevel must be one of off, error, warn, info, debug"),
            "{err}"
        );
        let threshold = Threshold::new(Some(Level::WARN));
        assert!(threshold.allows(Level::ERROR) && threshold.allows(Level::WARN));
        assert!(!threshold.allows(Level::INFO));
        threshold.set(None);
        assert!(!threshold.allows(Level::ERROR));
    }
}
