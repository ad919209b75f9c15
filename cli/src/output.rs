//! What a command prints and how it exits: text for people or one JSON
//! document for scripts, and the exit status table `--help` shows.

use std::process::ExitCode;

use clap::ValueEnum;
use kapture_crm::Error;
use serde_json::{Value, json};

/// What goes to standard output.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    /// Lines for people.
    Text,
    /// One JSON document and nothing else (messages go to stderr).
    Json,
}

/// How a command ends (the table in `--help` and the README).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// Every row added (or found, or valid).
    Done,
    /// Some rows failed or are unknown; find: no such customer; add: the
    /// call failed.
    Failed,
    /// A usage or setup error, another import holds the file, or an
    /// authentication failure stopped the import.
    Usage,
    /// The journal could not be written (a full disk).
    JournalUnwritable,
    /// Ctrl-C.
    Interrupted,
}

impl From<ExitStatus> for ExitCode {
    fn from(status: ExitStatus) -> ExitCode {
        ExitCode::from(match status {
            ExitStatus::Done => 0,
            ExitStatus::Failed => 1,
            ExitStatus::Usage => 2,
            ExitStatus::JournalUnwritable => 3,
            ExitStatus::Interrupted => 130,
        })
    }
}

pub fn fail(message: &dyn std::fmt::Display) -> ExitStatus {
    eprintln!("kapture: {message}");
    ExitStatus::Usage
}

/// A usage or setup error: on stderr, and with `--output json` also as the
/// one document on stdout (`{"ok": false, "error": {"code": "usage", ...}}`).
pub fn fail_as(output: Output, message: &dyn std::fmt::Display) -> ExitStatus {
    if output == Output::Json {
        print_json(
            &json!({"ok": false, "error": {"code": "usage", "message": message.to_string()}}),
        );
    }
    fail(message)
}

pub fn print_json(value: &Value) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).unwrap_or_else(|_| "null".into())
    );
}

/// An error of a call as JSON: the core's report (`Error::report`) as the
/// CLI's documented keys (`code`, `message`, `outcome_unknown`, `status`
/// when there was a reply, `problems` for a validation error).
pub fn error_json(error: &Error) -> Value {
    let report = error.report();
    let mut out = json!({
        "code": report.code,
        "message": report.text,
        "outcome_unknown": report.outcome_unknown,
    });
    if let Some(status) = report.status {
        out["status"] = json!(status);
    }
    if let Some(problems) = report.problems {
        out["problems"] = json!(problems);
    }
    out
}
