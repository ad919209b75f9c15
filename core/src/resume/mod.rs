//! Resumable bulk runs of the libraries: `add_customers(records, journal=,
//! key=)` in Python, `addCustomers(records, { journal, key })` in Node,
//! [`Run::start_journaled`](crate::bulk::Run::start_journaled) in Rust.
//!
//! A records journal is the import journal's format (`crate::journal`:
//! append-only JSON lines, the torn tail of a crash cut off on open, an
//! exclusive lock while a run writes it) keyed by the caller's key instead
//! of a file's row number:
//!
//! ```text
//! {"kapture_journal":2,"kind":"records","crm":{"endpoint":"https://acme...","username":null}}
//! {"key":"C-17","hash":"9f1c..","state":"sending"}     durable before the request leaves
//! {"key":"C-17","hash":"9f1c..","state":"added","customer_id":100000007,"reply":{..}}
//! {"key":"C-18","hash":"..","state":"unknown","error":"timed out ..."}
//! ```
//!
//! Each record fed with its key is checked against the journal first:
//! - added before with the same content (its hash): not sent; its outcome
//!   is the reply journaled then, marked `from_journal`;
//! - added before with other content: refused (a validation error on the
//!   key), as `kapture import` refuses a file whose rows changed;
//! - its outcome unknown (a timeout, or the process killed mid-flight, which
//!   leaves it at "sending"): not sent, an unknown outcome again; or, in a
//!   run with `reconcile` ([`BulkOptions::reconcile`](crate::bulk::BulkOptions)),
//!   looked up and settled ([`reconcile`]): found (not sent, journaled as
//!   added, its outcome [`Success::Found`](crate::bulk::Success)), not found
//!   (sent), or still unknown. Lookups start one request timeout after the
//!   journal was opened, so that a call of the run before that the server
//!   is still processing is not missed;
//! - failed or never sent: sent.
//!
//! A key given twice in one run is refused the second time. One journal
//! belongs to one CRM (its endpoint and user): a journal of another is
//! refused, as is a journal another run holds open.

pub mod reconcile;
mod stream;

pub use crate::bulk::RunJournal;
pub use stream::add_customers;

use serde_json::Value;

use crate::error::{Error, FieldError};

/// A key as a journal holds it: text, or a whole number written as text.
/// `name` is what the front end calls the key (for the message).
pub fn key_text(name: &str, value: &Value) -> Result<String, Error> {
    match value {
        Value::String(s) if !s.trim().is_empty() => Ok(s.clone()),
        Value::Number(n) if n.is_i64() || n.is_u64() => Ok(n.to_string()),
        other => Err(Error::Validation(vec![FieldError {
            path: name.to_string(),
            message: format!(
                "a journaled run needs each record's key as text or a whole number, got {}",
                crate::text::describe(other)
            ),
        }])),
    }
}

/// The key of a file's row when the caller gives none: its row number, and
/// its sheet's name for a workbook (`Sales:7`).
pub fn row_key(sheet: Option<&str>, row: u64) -> String {
    match sheet {
        Some(sheet) => format!("{sheet}:{row}"),
        None => row.to_string(),
    }
}

/// Whether a run's journal, key and reconcile go together: a journal needs
/// a key unless the records are a file's rows (`file_rows`), and a key
/// needs a journal, as does `reconcile` (`Some`: its name as the front end
/// spells it, when asked for). `key` and `read_rows` as the front end
/// spells them.
pub fn check_keying(
    journal: bool,
    key_given: bool,
    file_rows: bool,
    reconcile: Option<&str>,
    (key, read_rows): (&str, &str),
) -> Result<(), Error> {
    if journal && !key_given && !file_rows {
        return Err(Error::Config(format!(
            "a run with a journal needs {key}: a field of each record that names it (such as \
             \"customer_ref\"), or a function of the record; only the rows of {read_rows} have \
             a key of their own (their row number)"
        )));
    }
    if key_given && !journal {
        return Err(Error::Config(format!(
            "{key} names each record in the run's journal: give the journal too"
        )));
    }
    if let Some(reconcile) = reconcile.filter(|_| !journal) {
        return Err(Error::Config(format!(
            "{reconcile} settles the records whose outcome a run's journal left unknown: give \
             the journal too"
        )));
    }
    Ok(())
}
