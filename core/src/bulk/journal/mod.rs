//! The records journal of a resumable run (see [`crate::resume`]): what
//! the engine asks it before sending a record and tells it after.

mod past;

use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use serde_json::{Value, json};

use super::{Input, Success};
use crate::config::Config;
use crate::error::{Error, FieldError};
use crate::journal::destination::Destination;
use crate::journal::{
    Journal, SendingLog, State, VERSION, Verdict, own_files, state_after, verdict,
};
use crate::response::AddCustomerResponse;
use crate::resume::reconcile::Found;
use crate::sync::lock;
use crate::upsert::UpsertAction;
use past::{Earlier, KeyedPast};

/// The outcome of a record settled from the journal, without a call.
pub(crate) type Settled = (Result<Success, Error>, Option<UpsertAction>);

/// What became of a record fed to a journaled run.
enum Fed {
    /// Sent: its key and content hash, for its journal lines.
    Send { key: String, hash: u64 },
    /// Its outcome was unknown from an earlier run, and the run reconciles:
    /// looked up first, then settled or sent.
    Reconcile { key: String, hash: u64 },
    /// Not sent: its outcome.
    Settled(Settled),
}

/// An open records journal, held (locked) for one run.
pub struct RunJournal {
    journal: Arc<Journal>,
    sending: SendingLog,
    path: PathBuf,
    past: Mutex<HashMap<String, Earlier>>,
    seen: Mutex<HashSet<String>>,
    fed: Mutex<HashMap<usize, Fed>>,
    /// Set once a line could not be written: nothing more is sent.
    cannot_write: AtomicBool,
    /// Records unknown from an earlier run are looked up (`reconcile`).
    reconcile: bool,
    /// When the journal was opened: every call of the runs before had
    /// started by then (the lock was theirs until they ended).
    opened: std::time::Instant,
    /// Lines of the journal that did not parse when it was opened.
    pub damaged_lines: u64,
}

impl std::fmt::Debug for RunJournal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunJournal")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

fn config_error(path: &Path, what: impl std::fmt::Display) -> Error {
    Error::Config(format!("journal {}: {what}", path.display()))
}

impl RunJournal {
    /// Opens (or creates) the journal at `path` for a run sending to
    /// `config`'s CRM, and locks it until the run ends.
    pub fn open(path: &Path, config: &Config) -> Result<RunJournal, Error> {
        let destination = Destination::of(config);
        let (mut file, fresh) = match own_files::open_existing(path) {
            Ok(Some(file)) => (file, false),
            Ok(None) => (
                own_files::create_new(path).map_err(|e| config_error(path, e))?,
                true,
            ),
            Err(e) => return Err(config_error(path, e)),
        };
        own_files::lock(&file, path, || {
            "another run is writing it (one run per journal: give each worker a journal of its \
             own)"
                .to_string()
        })
        .map_err(|e| config_error(path, e))?;
        let past = read_past(&mut file, path)?;
        match &past.header {
            Some(header) if header.kind.as_deref() != Some("records") => {
                return Err(config_error(
                    path,
                    "it is a `kapture import` journal (a file's rows), not a journal of records; \
                     give the run a journal of its own",
                ));
            }
            Some(header) if header.destination.as_ref() != Some(&destination) => {
                let theirs = header
                    .destination
                    .as_ref()
                    .map_or_else(|| "another CRM".to_string(), Destination::describe);
                return Err(config_error(
                    path,
                    format_args!(
                        "it was written for {theirs}; this client sends to {}. One journal per \
                         CRM: give this run another journal",
                        destination.describe()
                    ),
                ));
            }
            _ => {}
        }
        let header = (fresh || past.header.is_none()).then(
            || json!({"kapture_journal": VERSION, "kind": "records", "crm": destination.to_json()}),
        );
        let journal =
            Arc::new(Journal::from_file(file, path, header).map_err(|e| config_error(path, e))?);
        Ok(RunJournal {
            sending: SendingLog::start(journal.clone()),
            journal,
            path: path.to_path_buf(),
            past: Mutex::new(past.by_key),
            seen: Mutex::default(),
            fed: Mutex::default(),
            cannot_write: AtomicBool::new(false),
            reconcile: false,
            opened: std::time::Instant::now(),
            damaged_lines: past.damaged_lines,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Records whose outcome an earlier run left unknown are looked up and
    /// settled (see [`crate::resume::reconcile`]) instead of reported
    /// unknown again.
    pub(crate) fn reconciling(mut self, on: bool) -> Self {
        self.reconcile = on;
        self
    }

    /// Decides what becomes of the record about to be fed as `index`;
    /// `true` when it is to be looked up (unknown from an earlier run).
    pub(crate) fn admit(&self, index: usize, key: String, input: &Input) -> bool {
        let fed = match input {
            // Its own error is its outcome; nothing to journal.
            Err(_) => return false,
            Ok(request) => self.decide(key, content_hash(request)),
        };
        let reconcile = matches!(fed, Fed::Reconcile { .. });
        lock(&self.fed).insert(index, fed);
        reconcile
    }

    fn decide(&self, key: String, hash: u64) -> Fed {
        if !lock(&self.seen).insert(key.clone()) {
            return Fed::Settled((
                Err(key_problem(
                    &key,
                    "this key was given to an earlier record of this run; each record needs a \
                     key of its own",
                )),
                None,
            ));
        }
        let Some(earlier) = lock(&self.past).get(&key).cloned() else {
            return Fed::Send { key, hash };
        };
        match verdict(Some((earlier.hash, earlier.state)), hash) {
            Verdict::Send => Fed::Send { key, hash },
            Verdict::Changed => Fed::Settled((
                Err(key_problem(
                    &key,
                    &format!(
                        "this key's record was added by an earlier run (journal {}) and has \
                         changed since; not sent. Give a changed record to update_customer, or \
                         give it a new key",
                        self.path.display()
                    ),
                )),
                None,
            )),
            Verdict::Added => Fed::Settled((
                Ok(match earlier.found {
                    Some(found) => Success::Found(found),
                    None => Success::Reply(AddCustomerResponse::from_json(
                        earlier.reply.unwrap_or_default(),
                    )),
                }),
                earlier.action,
            )),
            Verdict::Unknown if self.reconcile => Fed::Reconcile { key, hash },
            Verdict::Unknown => Fed::Settled((
                Err(self.unknown_before(
                    &key,
                    "not sent again. Look it up (find_customer) before sending it, or run again \
                     with reconcile",
                )),
                None,
            )),
        }
    }

    /// The outcome of `index` when it is settled without a call.
    pub(crate) fn settled(&self, index: usize) -> Option<Settled> {
        let mut fed = lock(&self.fed);
        match fed.remove(&index)? {
            Fed::Settled(outcome) => Some(outcome),
            other => {
                fed.insert(index, other);
                None
            }
        }
    }

    /// Whether `index` is to be looked up before anything is sent; waits
    /// first, so that a call of an earlier run the server may still be
    /// processing (started before this journal was opened, answered within
    /// `timeout`) is not missed by the lookup.
    pub(crate) async fn to_reconcile(&self, index: usize, timeout: std::time::Duration) -> bool {
        if !matches!(lock(&self.fed).get(&index), Some(Fed::Reconcile { .. })) {
            return false;
        }
        tokio::time::sleep_until((self.opened + timeout).into()).await;
        true
    }

    /// A record looked up: found (journaled as added, not sent; its
    /// outcome), still unknown for the reason given (journaled so; its
    /// outcome), or `None`: it is to be sent, and journaled as any send is.
    pub(crate) fn reconciled(
        &self,
        index: usize,
        looked: Option<Result<Found, String>>,
    ) -> Option<Result<Success, Error>> {
        let mut fed = lock(&self.fed);
        let Some(Fed::Reconcile { key, hash }) = fed.remove(&index) else {
            return None;
        };
        let Some(looked) = looked else {
            fed.insert(index, Fed::Send { key, hash });
            return None;
        };
        drop(fed);
        let (line, settled) = match looked {
            Ok(found) => (found_line(&key, hash, &found), Ok(Success::Found(found))),
            Err(why) => {
                let error = self.unknown_before(
                    &key,
                    &format!("{why}, so it stays unknown and was not sent"),
                );
                (
                    with_error(entry(&key, hash, State::Unknown), &error),
                    Err(error),
                )
            }
        };
        self.write(&line);
        Some(settled)
    }

    /// The outcome of a record still unknown from an earlier run.
    fn unknown_before(&self, key: &str, then: &str) -> Error {
        Error::Aborted {
            message: format!(
                "record {key}: its outcome is unknown from an earlier run (journal {}); {then}",
                self.path.display()
            ),
            outcome_unknown: true,
        }
    }

    /// Before `index`'s request leaves: its "sending" line, on disk.
    pub(crate) async fn sending(&self, index: usize) -> Result<(), Error> {
        let not_sent = |why: String| Error::Aborted {
            message: why,
            outcome_unknown: false,
        };
        if self.cannot_write.load(Ordering::SeqCst) {
            return Err(not_sent(format!(
                "not sent: the journal {} could not be written earlier in this run",
                self.path.display()
            )));
        }
        let line = match lock(&self.fed).get(&index) {
            Some(Fed::Send { key, hash }) => entry(key, *hash, State::Sending),
            _ => return Ok(()),
        };
        self.sending.durable(&line).await.map_err(|e| {
            self.cannot_write.store(true, Ordering::SeqCst);
            not_sent(format!("not sent: the journal could not record it: {e}"))
        })
    }

    /// Journals the outcome of a record that was sent.
    pub(crate) fn record(
        &self,
        index: usize,
        result: &Result<Success, Error>,
        action: Option<UpsertAction>,
    ) {
        let Some(Fed::Send { key, hash }) = lock(&self.fed).remove(&index) else {
            return;
        };
        let line = match (result, state_after(result)) {
            (Ok(Success::Found(found)), _) => found_line(&key, hash, found),
            (Ok(Success::Reply(reply)), _) => {
                let mut line = entry(&key, hash, State::Added);
                line["customer_id"] = json!(reply.customer_id());
                if let Some(action) = action {
                    line["action"] = json!(action.as_str());
                }
                line["reply"] = Value::Object(reply.as_json().clone());
                line
            }
            (Err(error), State::Failed) => {
                let mut line = with_error(entry(&key, hash, State::Failed), error);
                line["code"] = json!(error.code());
                line
            }
            // Not sent (the run stopping, a journal that could not be
            // written: the next run sends it), or unknown.
            (Err(error), state) => with_error(entry(&key, hash, state), error),
        };
        self.write(&line);
    }

    fn write(&self, line: &Value) {
        if self.cannot_write.load(Ordering::SeqCst) {
            return;
        }
        // A line that cannot be written leaves the record at "sending":
        // unknown to the next run, never sent twice.
        if self.journal.record_line(line).is_err() {
            self.cannot_write.store(true, Ordering::SeqCst);
        }
    }
}

/// An "added" line for a record found to exist, with no reply.
fn found_line(key: &str, hash: u64, found: &Found) -> Value {
    let mut line = entry(key, hash, State::Added);
    if let (Value::Object(line), Value::Object(fields)) = (&mut line, found.journal_fields()) {
        line.extend(fields);
    }
    line
}

impl Drop for RunJournal {
    fn drop(&mut self) {
        if !self.cannot_write.load(Ordering::SeqCst) {
            let _ = self.journal.sync();
        }
    }
}

/// Repairs the journal's torn tail (a crash mid-write) and reads it.
fn read_past(file: &mut File, path: &Path) -> Result<KeyedPast, Error> {
    use std::io::{BufReader, Seek, SeekFrom};
    let shown = |e: std::io::Error| config_error(path, e);
    crate::journal::cut_torn_tail(file).map_err(shown)?;
    file.seek(SeekFrom::Start(0)).map_err(shown)?;
    let past = past::read(BufReader::new(&mut *file)).map_err(shown)?;
    file.seek(SeekFrom::End(0)).map_err(shown)?;
    Ok(past)
}

fn entry(key: &str, hash: u64, state: State) -> Value {
    json!({"key": key, "hash": format!("{hash:016x}"), "state": state.name()})
}

fn with_error(mut line: Value, error: &Error) -> Value {
    line["error"] = json!(crate::log::redact(&error.to_string()));
    line
}

/// The content a record's key stands for: its request as sent.
fn content_hash(request: &crate::model::AddCustomerRequest) -> u64 {
    let text = serde_json::to_vec(request).unwrap_or_default();
    crate::rows::file::fnv(&[&text])
}

fn key_problem(key: &str, why: &str) -> Error {
    Error::Validation(vec![FieldError {
        path: "key".into(),
        message: format!("record {key}: {why}"),
    }])
}
