//! The one error type of the crate. The bindings map each variant to an
//! exception or error class of their language; nothing here ever holds the
//! token (bodies and messages are scrubbed before they become errors).

use std::fmt;
use std::time::Duration;

/// One problem with one field of a request.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FieldError {
    /// Dotted path to the field: `customer_info.individual`,
    /// `contact_info[0].contact_person_email`; empty for the request itself.
    pub path: String,
    /// A sentence a person understands.
    pub message: String,
}

impl FieldError {
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

/// Everything that can go wrong between a request and its reply.
///
/// `outcome_unknown` marks failures after the request may have reached the
/// vendor: the customer may or may not have been created, so the call is not
/// retried by default (adding a customer is not idempotent).
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The request broke one or more rules; nothing was sent.
    #[error("invalid request ({} problem{}): {}", .0.len(), plural(.0.len()), join(.0))]
    Validation(Vec<FieldError>),

    /// The client was set up wrongly (token, subdomain, base URL, CA file...).
    #[error("configuration error: {0}")]
    Config(String),

    /// 401/403, or the vendor's own words for a refused key ("Invalid Auth
    /// Key", "APIExpired"); a refusal that merely mentions authorisation is
    /// an [`Error::Api`] of that request.
    #[error("authentication failed (HTTP {status}): {message}")]
    Authentication {
        status: u16,
        message: String,
        body: String,
    },

    /// 429: the vendor did not process the request; try again later.
    #[error("rate limited (HTTP 429){}: {message}", retry_after_text(.retry_after))]
    RateLimited {
        retry_after: Option<Duration>,
        message: String,
        body: String,
    },

    /// The vendor refused the request: a `"status": "failed"` body or a 4xx.
    #[error("the API refused the request (HTTP {status}): {message}")]
    Api {
        status: u16,
        message: String,
        body: String,
    },

    /// 5xx. A 503 means the request was not processed; 500/502/504 may come
    /// after the customer was created (`outcome_unknown`).
    #[error("server error (HTTP {status}): {message}{}", unknown_text(*.outcome_unknown))]
    Server {
        status: u16,
        message: String,
        body: String,
        outcome_unknown: bool,
    },

    /// No reply in time (connecting, or waiting for the reply).
    #[error("timed out: {message}{}", unknown_text(*.outcome_unknown))]
    Timeout {
        message: String,
        outcome_unknown: bool,
    },

    /// The connection failed: before the request was sent (refused, DNS, TLS)
    /// or after (reset while waiting for the reply: `outcome_unknown`).
    #[error("connection failed: {message}{}", unknown_text(*.outcome_unknown))]
    Connection {
        message: String,
        outcome_unknown: bool,
    },

    /// The reply was not the JSON the API sends (an HTML page from a proxy,
    /// a redirect, a body over 1 MiB); its first bytes are in the message.
    /// After a 2xx or a 3xx the outcome is unknown.
    #[error("unexpected response (HTTP {status}): {message}")]
    UnexpectedResponse {
        status: u16,
        message: String,
        body: String,
    },

    /// The call was stopped before its reply: the run it belonged to was
    /// cancelled, or stopped sending (an import after an authentication
    /// failure). `outcome_unknown` once the request may have left.
    #[error("not completed: {message}{}", unknown_text(*.outcome_unknown))]
    Aborted {
        message: String,
        outcome_unknown: bool,
    },

    /// The client was closed; nothing was sent.
    #[error("the client is closed")]
    Closed,

    /// A defect of this SDK (a panic caught at the edge, an engine that
    /// stopped): never a crash. A request it hit may have been sent.
    #[error("kapture-crm internal error: {message}; please report it{}", unknown_text(*.outcome_unknown))]
    Internal {
        message: String,
        outcome_unknown: bool,
    },

    /// A bulk run's record that is a blank row (every cell empty: a spacer,
    /// a cleared row): nothing is sent. Never raised: each front end gives
    /// it as an outcome of its own (Python's `BLANK`, Node's `{ ok: false,
    /// blank: true }`), so it is not in [`ERROR_CLASSES`].
    #[error("a blank row (every cell empty): nothing to send")]
    BlankRow,
}

/// [`Error::BlankRow`]'s code and class.
pub const BLANK_ROW_CODE: &str = "blank_row";

/// The class of every error whose outcome is unknown, in every binding
/// (see [`Error::class`]).
pub const OUTCOME_UNKNOWN_CLASS: &str = "outcome_unknown";

/// Every value of [`Error::class`] (but [`BLANK_ROW_CODE`], an outcome no
/// front end raises): the bindings test that each has a class.
pub const ERROR_CLASSES: &[&str] = &[
    "validation",
    "config",
    "authentication",
    "rate_limited",
    "api",
    "server",
    "timeout",
    "connection",
    "unexpected_response",
    "aborted",
    "closed",
    "internal",
    OUTCOME_UNKNOWN_CLASS,
];

/// Every value of [`Error::code`]: the classes but the last.
pub const ERROR_CODES: &[&str] = ERROR_CLASSES.split_at(ERROR_CLASSES.len() - 1).0;

impl Error {
    /// Kapture's id of the customer a "Lead already exists, Customer ID :N,
    /// ..." refusal names (an `Api` error): the record exists already.
    pub fn existing_customer_id(&self) -> Option<u64> {
        self.existing_id("customer id")
    }

    /// The contact id such a refusal names.
    pub fn existing_contact_id(&self) -> Option<u64> {
        self.existing_id("contact id")
    }

    fn existing_id(&self, label: &str) -> Option<u64> {
        let Error::Api { message, .. } = self else {
            return None;
        };
        let lower = message.to_ascii_lowercase();
        if !lower.contains("already exist") {
            return None;
        }
        let after = &lower[lower.find(label)? + label.len()..];
        let digits: String = after
            .trim_start_matches([' ', ':', '#'])
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        digits.parse().ok()
    }

    /// True when the request may have been processed although the call
    /// failed: check the CRM before sending it again.
    pub fn outcome_unknown(&self) -> bool {
        match self {
            Error::Server {
                outcome_unknown, ..
            }
            | Error::Timeout {
                outcome_unknown, ..
            }
            | Error::Connection {
                outcome_unknown, ..
            }
            | Error::Aborted {
                outcome_unknown, ..
            }
            | Error::Internal {
                outcome_unknown, ..
            } => *outcome_unknown,
            // Something answered, but not the API as documented: a 2xx
            // from a misbehaving proxy may sit in front of a created
            // customer, and a 3xx after a POST (303 See Other) may follow one.
            Error::UnexpectedResponse { status, .. } => (200..400).contains(status),
            _ => false,
        }
    }

    /// The HTTP status of the reply, when there was one.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Authentication { status, .. }
            | Error::Api { status, .. }
            | Error::Server { status, .. }
            | Error::UnexpectedResponse { status, .. } => Some(*status),
            Error::RateLimited { .. } => Some(429),
            _ => None,
        }
    }

    /// The raw reply body (cut to [`crate::response::MAX_ERROR_BODY`] bytes).
    pub fn body(&self) -> Option<&str> {
        match self {
            Error::Authentication { body, .. }
            | Error::RateLimited { body, .. }
            | Error::Api { body, .. }
            | Error::Server { body, .. }
            | Error::UnexpectedResponse { body, .. } => Some(body),
            _ => None,
        }
    }

    /// The message under the summary: what the vendor said (for replies),
    /// the transport's own words (timeouts, connections), or the setting at
    /// fault (config). The bindings expose it as `message` / `cause`.
    pub fn detail(&self) -> Option<&str> {
        match self {
            Error::Authentication { message, .. }
            | Error::RateLimited { message, .. }
            | Error::Api { message, .. }
            | Error::Server { message, .. }
            | Error::UnexpectedResponse { message, .. }
            | Error::Timeout { message, .. }
            | Error::Connection { message, .. }
            | Error::Aborted { message, .. }
            | Error::Internal { message, .. }
            | Error::Config(message) => Some(message),
            Error::Validation(_) | Error::Closed | Error::BlankRow => None,
        }
    }

    /// A stable, machine-friendly name of the variant (`"validation"`,
    /// `"rate_limited"`, ...), the `code` of the Node binding's errors.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Validation(_) => "validation",
            Error::Config(_) => "config",
            Error::Authentication { .. } => "authentication",
            Error::RateLimited { .. } => "rate_limited",
            Error::Api { .. } => "api",
            Error::Server { .. } => "server",
            Error::Timeout { .. } => "timeout",
            Error::Connection { .. } => "connection",
            Error::UnexpectedResponse { .. } => "unexpected_response",
            Error::Aborted { .. } => "aborted",
            Error::Closed => "closed",
            Error::Internal { .. } => "internal",
            Error::BlankRow => BLANK_ROW_CODE,
        }
    }

    /// Which class a binding raises: [`OUTCOME_UNKNOWN_CLASS`] for every
    /// error whose outcome is unknown, whatever its code, otherwise the
    /// code's own class. An unknown outcome must never look like a failure
    /// that is safe to retry (a task queue retrying `ConnectionError` or
    /// `TimeoutError` would send it twice) nor like a refusal (`APIError`):
    /// it has a class of its own, and its `code` says what failed.
    pub fn class(&self) -> &'static str {
        if self.outcome_unknown() {
            OUTCOME_UNKNOWN_CLASS
        } else {
            self.code()
        }
    }

    /// A call cancelled before anything was sent: one message for every
    /// front end (Node's aborted `AbortSignal` never reaches the engine).
    pub fn cancelled_before_sending() -> Error {
        Error::Aborted {
            message: "cancelled before anything was sent".into(),
            outcome_unknown: false,
        }
    }

    /// A bulk record whose run was aborted before it was sent.
    pub fn record_aborted_before_sending() -> Error {
        Error::Aborted {
            message: "the run was aborted before this record was sent".into(),
            outcome_unknown: false,
        }
    }

    /// The error for a panic caught around a call (`payload` from
    /// `catch_unwind`). The call may have sent its request before it
    /// panicked, so its outcome is unknown: one rule for every binding.
    pub fn from_panic(payload: &(dyn std::any::Any + Send)) -> Error {
        Error::Internal {
            message: panic_text(payload),
            outcome_unknown: true,
        }
    }

    /// The error for a panic caught while a binding read a caller's value
    /// (a dict changed while it was read, a hook such as `__index__`, a
    /// getter or a proxy that misbehaved). Nothing was sent: the value is
    /// refused, like any other value that cannot be read.
    pub fn from_conversion_panic(path: &str, payload: &(dyn std::any::Any + Send)) -> Error {
        Error::Validation(vec![FieldError::new(
            path,
            format!(
                "the value could not be read ({}); did it change while it was being read?",
                panic_text(payload)
            ),
        )])
    }
}

/// The message of a caught panic.
pub fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic".into())
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn join(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

fn retry_after_text(retry_after: &Option<Duration>) -> String {
    match retry_after {
        Some(d) => format!(", retry after {:.1} s", d.as_secs_f64()),
        None => String::new(),
    }
}

fn unknown_text(outcome_unknown: bool) -> &'static str {
    if outcome_unknown {
        " (the request may have reached Kapture: the customer may or may not have been \
         created; check before sending it again)"
    } else {
        ""
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_already_exists_refusal_names_its_ids() {
        let error = Error::Api {
            status: 200,
            message: "Lead already exists, Customer ID :45759542, Enquiry ID :10934634, \
                      Contact ID : 49560612"
                .into(),
            body: String::new(),
        };
        assert_eq!(error.existing_customer_id(), Some(45_759_542));
        assert_eq!(error.existing_contact_id(), Some(49_560_612));
        let other = Error::Api {
            status: 200,
            message: "Name, Email Id, and Phone Number required".into(),
            body: String::new(),
        };
        assert_eq!(other.existing_customer_id(), None);
    }

    /// Issue 9, case 4: a panic around a call that may have sent is unknown.
    #[test]
    fn case_4_internal_error_after_sending_is_outcome_unknown() {
        let payload: Box<dyn std::any::Any + Send> = Box::new("boom");
        let error = Error::from_panic(&*payload);
        assert!(error.outcome_unknown());
        assert_eq!(error.code(), "internal");
        assert!(error.to_string().contains("boom"));
    }

    #[test]
    fn every_code_is_listed() {
        let samples = [
            Error::Validation(vec![]),
            Error::Config(String::new()),
            Error::Closed,
            Error::Aborted {
                message: String::new(),
                outcome_unknown: false,
            },
            Error::Internal {
                message: String::new(),
                outcome_unknown: true,
            },
            Error::Internal {
                message: String::new(),
                outcome_unknown: false,
            },
            Error::Timeout {
                message: String::new(),
                outcome_unknown: false,
            },
        ];
        for error in samples {
            assert!(ERROR_CODES.contains(&error.code()), "{}", error.code());
            assert!(ERROR_CLASSES.contains(&error.class()), "{}", error.class());
        }
        assert_eq!(ERROR_CLASSES.len(), ERROR_CODES.len() + 1);
    }
}
