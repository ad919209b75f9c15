//! The state an import's parts share (the feeder, the engine's hook, the
//! outcomes, the reconciliation), and how each outcome is journaled,
//! counted and written to the failures file.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use kapture_crm::sync::lock;

use futures_util::FutureExt;
use kapture_crm::Error;
use kapture_crm::bulk::{BeforeSend, Outcome};
use serde_json::json;

use crate::failures::Failures;
use crate::failures_import::FailuresOf;
use crate::journal::{Journal, SendingLog, State};
use crate::problem::Problem;
use crate::rows::Row;
use crate::summary::Summary;

/// What travels with a row while its request is in flight.
pub(crate) struct InFlight {
    pub(crate) number: u64,
    pub(crate) hash: u64,
    pub(crate) cells: Vec<String>,
}

/// State shared by the feeder, the engine's hook, the outcomes and the
/// reconciliation.
pub(crate) struct Shared {
    pub(crate) journal: Option<Arc<Journal>>,
    /// Group commit of "sending" lines (with the journal).
    pub(crate) sending: Option<SendingLog>,
    pub(crate) failures: Mutex<Failures>,
    pub(crate) summary: Mutex<Summary>,
    /// Rows fed to the engine, by the engine's index.
    pub(crate) in_flight: Mutex<HashMap<usize, InFlight>>,
    /// Set after an authentication failure, or once the journal could not
    /// be written: nothing more is sent.
    pub(crate) stop_sending: AtomicBool,
    /// Set once the journal or the failures file could not be written: no
    /// more lines are written (a line written after a failed one could be
    /// torn), and the run ends with exit 3.
    pub(crate) cannot_write: AtomicBool,
    /// Importing a failures file: its rows are its original's
    /// (`crate::failures_import`), journaled in the original's journal.
    pub(crate) failures_of: Option<FailuresOf>,
}

impl Shared {
    pub(crate) fn journal(
        &self,
        row: u64,
        hash: u64,
        state: State,
        extra: serde_json::Value,
    ) -> Result<(), Problem> {
        let Some(journal) = &self.journal else {
            return Ok(());
        };
        if self.cannot_write.load(Ordering::SeqCst) {
            return Ok(());
        }
        let mut extra = extra;
        if let (Some(of), serde_json::Value::Object(map)) = (&self.failures_of, &mut extra)
            && state != State::Sending
        {
            map.insert("via".into(), json!(of.via));
        }
        journal
            .record(row, hash, state, extra)
            .or_else(|e| self.could_not_write(&e))
    }

    /// A journal or failures-file write failed (a full disk): stop sending,
    /// let the calls in flight finish, and end with the summary and exit 3.
    /// Rows whose outcome could not be journaled stay "sending" in it,
    /// which a resume reports as unknown: none is ever sent twice.
    pub(crate) fn could_not_write(&self, error: &dyn std::fmt::Display) -> Result<(), Problem> {
        self.stop_sending.store(true, Ordering::SeqCst);
        if !self.cannot_write.swap(true, Ordering::SeqCst) {
            let mut summary = lock(&self.summary);
            summary.journal_failed = true;
            summary.stopped = Some(cannot_write_message(error));
        }
        Ok(())
    }

    /// [`Shared::row_for`] without failing anything: `None` for a row that
    /// names no row.
    pub(crate) fn journaled_row(&self, row: Row) -> Option<Row> {
        match &self.failures_of {
            Some(of) => of.translate(row).ok(),
            None => Some(row),
        }
    }

    /// A row of the input as the row it is for (itself, or the original's
    /// row a failures file's row fixes); `None` when it names no row, after
    /// failing it.
    pub(crate) fn row_for(&self, row: Row) -> Result<Option<Row>, Problem> {
        let Some(of) = &self.failures_of else {
            return Ok(Some(row));
        };
        match of.translate(row) {
            Ok(row) => Ok(Some(row)),
            Err(unmatched) => {
                self.fail_only(
                    unmatched.number,
                    &unmatched.cells,
                    "validation",
                    &unmatched.why,
                )?;
                Ok(None)
            }
        }
    }

    pub(crate) fn fail(
        &self,
        number: u64,
        hash: u64,
        cells: &[String],
        code: &str,
        message: &str,
    ) -> Result<(), Problem> {
        self.journal(
            number,
            hash,
            State::Failed,
            json!({"code": code, "error": message}),
        )?;
        self.fail_only(number, cells, code, message)
    }

    /// Counts a failure and writes the failures file, journaling nothing.
    fn fail_only(
        &self,
        number: u64,
        cells: &[String],
        code: &str,
        message: &str,
    ) -> Result<(), Problem> {
        *lock(&self.summary)
            .failed
            .entry(code.to_string())
            .or_default() += 1;
        if self.cannot_write.load(Ordering::SeqCst) {
            return Ok(());
        }
        let written = lock(&self.failures).write(number, cells, message);
        written.or_else(|e| self.could_not_write(&e))
    }

    pub(crate) fn not_sent(&self, number: u64, hash: u64, why: &str) -> Result<(), Problem> {
        self.journal(number, hash, State::NotSent, json!({"error": why}))?;
        lock(&self.summary).not_sent += 1;
        Ok(())
    }

    pub(crate) fn unknown(&self, number: u64, hash: u64, why: &str) -> Result<(), Problem> {
        self.journal(number, hash, State::Unknown, json!({"error": why}))?;
        lock(&self.summary).unknown.push(number);
        Ok(())
    }

    /// Journals one outcome of the engine.
    pub(crate) fn settle(&self, outcome: Outcome) -> Result<(), Problem> {
        let Some(row) = lock(&self.in_flight).remove(&outcome.index) else {
            return Err(Problem::Internal(format!(
                "no row for outcome {}",
                outcome.index
            )));
        };
        // What the outcome leaves in the journal is the core's rule (a
        // library run's journal follows it too); the summary, the failures
        // file and the stop after a refused token are the import's.
        let state = kapture_crm::journal::state_after(&outcome.result);
        match (outcome.result, state) {
            (Ok(done), _) => {
                self.journal(
                    row.number,
                    row.hash,
                    State::Added,
                    json!({"customer_id": done.customer_id()}),
                )?;
                let mut summary = lock(&self.summary);
                if outcome.action == Some(kapture_crm::UpsertAction::Updated) {
                    summary.updated += 1;
                } else {
                    summary.added += 1;
                }
            }
            (Err(error @ Error::Authentication { .. }), _) => {
                // A wrong token fails every row: stop sending (issue 9, case 8).
                if !self.stop_sending.swap(true, Ordering::SeqCst) {
                    lock(&self.summary).stopped = Some(format!(
                        "{error}\nnothing more was sent; fix the token and run again to send the \
                         rows not sent"
                    ));
                }
                self.fail(
                    row.number,
                    row.hash,
                    &row.cells,
                    error.code(),
                    &reason(&error),
                )?;
            }
            (Err(Error::Aborted { message, .. }), State::NotSent) => {
                // Refused before it left with no stop of the import's own
                // (a refused token, a journal that cannot be written, set
                // `stopped` first): the shared rate limiter could not be
                // used. The run says why and does not exit as done.
                let mut summary = lock(&self.summary);
                if summary.stopped.is_none() && !self.cannot_write.load(Ordering::SeqCst) {
                    summary.stopped = Some(format!(
                        "{message}\nnothing was sent without it; run again to send the rows not \
                         sent"
                    ));
                }
                drop(summary);
                self.not_sent(row.number, row.hash, &message)?;
            }
            (Err(error), State::Unknown) => {
                self.unknown(row.number, row.hash, &error.to_string())?;
            }
            (Err(error), _) => self.fail(
                row.number,
                row.hash,
                &row.cells,
                error.code(),
                &reason(&error),
            )?,
        }
        Ok(())
    }
}

/// Why a run stopped when its journal could not be written.
pub(crate) fn cannot_write_message(error: &dyn std::fmt::Display) -> String {
    format!(
        "{error}\nthe journal could not be written (a full disk?): nothing more was sent. Free \
         some space and run again to resume: rows whose outcome was not journaled are listed \
         as unknown (check them, or --reconcile), never sent twice."
    )
}

/// The hook the engine calls before each request: "sending" made durable,
/// or the row refused once the run stopped sending.
pub(crate) fn before_send(shared: Arc<Shared>) -> BeforeSend {
    Arc::new(move |index| {
        let shared = shared.clone();
        async move {
            let not_sent = |why: String| Error::Aborted {
                message: why,
                outcome_unknown: false,
            };
            if shared.stop_sending.load(Ordering::SeqCst) {
                return Err(not_sent(
                    "not sent: authentication failed earlier in this run".into(),
                ));
            }
            let (Some(log), Some((number, hash))) = (
                shared.sending.clone(),
                lock(&shared.in_flight)
                    .get(&index)
                    .map(|r| (r.number, r.hash)),
            ) else {
                return Ok(());
            };
            log.sending(number, hash)
                .await
                .map_err(|e| not_sent(format!("not sent: the journal could not record it: {e}")))
        }
        .boxed()
    })
}

/// One line for the failures file: validation problems joined, else the error.
pub(crate) fn reason(error: &Error) -> String {
    match error {
        Error::Validation(problems) => problems
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    }
}
