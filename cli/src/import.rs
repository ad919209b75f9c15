//! `kapture import FILE`: every row added once, nothing lost, nothing doubled.
//!
//! The input file is locked first (one import of a file at a time). A feeder
//! thread reads rows and settles what needs no sending (already added in an
//! earlier run, unknown outcome, duplicate within the file, invalid); the
//! rest go to a run of the core's bulk engine (`kapture_crm::bulk::Run`).
//! When the engine hands a row to its request, the row is journaled as
//! "sending" and made durable (in groups) before the request leaves; each
//! outcome is journaled as it comes back. Ctrl-C stops the feeder; calls in
//! flight finish and are journaled before the summary. An authentication
//! failure stops sending: the rows not sent are journaled "not_sent".

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use futures_util::FutureExt;
use kapture_crm::bulk::{BeforeSend, BulkOptions, Outcome, Run};
use kapture_crm::rows::RowOptions;
use kapture_crm::{Client, Error};
use serde_json::json;

use crate::destination::Destination;
use crate::dialect::Dialect;
use crate::failures::Failures;
use crate::failures_import::FailuresOf;
use crate::identity::identity_keys;
use crate::journal::{self, Journal, Past, SendingLog, State};
use crate::rows::{self, Format, Row, Rows};
use crate::seen::Seen;
use crate::summary::Summary;

pub struct Options {
    pub input: PathBuf,
    pub format: Format,
    /// Encoding, delimiter and line endings of the input (and so of the
    /// failures file).
    pub dialect: Dialect,
    /// Renames and the date format of CSV rows (the core's row mapper).
    pub rows: RowOptions,
    /// The country code assumed for phones without one, when comparing
    /// phones for duplicates.
    pub country_code: String,
    /// Checked by the core (`BulkOptions::new`).
    pub bulk: BulkOptions,
    pub dry_run: bool,
    pub resume: bool,
    pub retry_unknown: bool,
    pub allow_duplicates: bool,
    /// After sending, look up the rows whose outcome is unknown and send
    /// again only those Kapture does not have (`crate::reconcile`).
    pub reconcile: bool,
    /// Seconds between progress lines on stderr (0: none).
    pub progress_every: f64,
    /// Where the journal goes (default: next to the input). A run against an
    /// in-process sandbox keeps it in a temporary file removed afterwards:
    /// the sandbox's customers die with the process, so must its journal.
    pub journal: Option<PathBuf>,
    /// The settings of the client the rows go to (also in a dry run, when
    /// credentials were given): which CRM, so which journal.
    pub crm: Option<kapture_crm::config::Config>,
    /// Where the locked input is read from (set by [`run`]): the file
    /// locked, even if its name is given to another file meanwhile.
    pub source: Option<PathBuf>,
}

impl Options {
    /// The input's rows, read in its dialect through the row mapper.
    pub(crate) fn open_rows(&self) -> Result<Rows, String> {
        let source = self.source.as_deref().unwrap_or(&self.input);
        Rows::from_reader(
            self.dialect.reader(source)?,
            &self.input.display().to_string(),
            self.format,
            &self.dialect,
            &self.rows,
        )
    }
}

/// What travels with a row while its request is in flight.
struct InFlight {
    number: u64,
    hash: u64,
    cells: Vec<String>,
}

/// State shared by the feeder, the engine's hook, the outcomes and the
/// reconciliation.
pub(crate) struct Shared {
    pub(crate) journal: Option<Arc<Journal>>,
    /// Group commit of "sending" lines (with the journal).
    sending: Option<SendingLog>,
    failures: Mutex<Failures>,
    pub(crate) summary: Mutex<Summary>,
    /// Rows fed to the engine, by the engine's index.
    in_flight: Mutex<HashMap<usize, InFlight>>,
    /// Set after an authentication failure, or once the journal could not
    /// be written: nothing more is sent.
    stop_sending: AtomicBool,
    /// Set once the journal or the failures file could not be written: no
    /// more lines are written (a line written after a failed one could be
    /// torn), and the run ends with exit 3.
    cannot_write: AtomicBool,
    /// Importing a failures file: its rows are its original's
    /// (`crate::failures_import`), journaled in the original's journal.
    pub(crate) failures_of: Option<FailuresOf>,
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Shared {
    pub(crate) fn journal(
        &self,
        row: u64,
        hash: u64,
        state: State,
        extra: serde_json::Value,
    ) -> Result<(), String> {
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
    pub(crate) fn could_not_write(&self, error: &str) -> Result<(), String> {
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
    pub(crate) fn row_for(&self, row: Row) -> Result<Option<Row>, String> {
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
    ) -> Result<(), String> {
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
    ) -> Result<(), String> {
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

    fn not_sent(&self, number: u64, hash: u64, why: &str) -> Result<(), String> {
        self.journal(number, hash, State::NotSent, json!({"error": why}))?;
        lock(&self.summary).not_sent += 1;
        Ok(())
    }

    fn unknown(&self, number: u64, hash: u64, why: &str) -> Result<(), String> {
        self.journal(number, hash, State::Unknown, json!({"error": why}))?;
        lock(&self.summary).unknown.push(number);
        Ok(())
    }

    /// Journals one outcome of the engine.
    fn settle(&self, outcome: Outcome) -> Result<(), String> {
        let Some(row) = lock(&self.in_flight).remove(&outcome.index) else {
            return Err(format!(
                "internal error: no row for outcome {}",
                outcome.index
            ));
        };
        match outcome.result {
            Ok(reply) => {
                self.journal(
                    row.number,
                    row.hash,
                    State::Added,
                    json!({"customer_id": reply.customer_id()}),
                )?;
                lock(&self.summary).added += 1;
            }
            Err(error @ Error::Authentication { .. }) => {
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
            Err(Error::Aborted {
                message,
                outcome_unknown: false,
            }) => {
                self.not_sent(row.number, row.hash, &message)?;
            }
            Err(error) if error.outcome_unknown() => {
                self.unknown(row.number, row.hash, &error.to_string())?;
            }
            Err(error) => self.fail(
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
fn cannot_write_message(error: &str) -> String {
    format!(
        "{error}\nthe journal could not be written (a full disk?): nothing more was sent. Free \
         some space and run again to resume: rows whose outcome was not journaled are listed \
         as unknown (check them, or --reconcile), never sent twice."
    )
}

/// Checks, before anything is sent, that every row the journal knows is
/// unchanged in the file (`rows`, read from `name`); returns every row's
/// hash.
fn verify(
    past: &Past,
    rows: Rows,
    name: &std::path::Path,
    journal_path: &std::path::Path,
) -> Result<Vec<Option<u64>>, String> {
    let mut hashes = Vec::new();
    let mut last = 0;
    for row in rows {
        let row = row?;
        last = row.number;
        let index = usize::try_from(row.number)
            .unwrap_or(usize::MAX)
            .saturating_sub(1);
        if hashes.len() <= index && index < hashes.len() + (1 << 20) {
            hashes.resize(index + 1, None);
        }
        if let Some(slot) = hashes.get_mut(index) {
            *slot = Some(row.hash);
        }
        if let Some((hash, _)) = past.get(row.number)
            && hash != row.hash
        {
            return Err(format!(
                "row {} of {} changed since its journal was written; refusing to resume \
                 (nothing was sent). Restore the file, or move {} away to start over.",
                row.number,
                name.display(),
                journal_path.display()
            ));
        }
    }
    if past.get(last + 1).is_some() {
        return Err(format!(
            "{} has fewer rows than its journal records; refusing to resume (nothing was sent).",
            name.display()
        ));
    }
    Ok(hashes)
}

/// The hook the engine calls before each request: "sending" made durable,
/// or the row refused once the run stopped sending.
fn before_send(shared: Arc<Shared>) -> BeforeSend {
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

pub async fn run(
    client: Option<Client>,
    mut options: Options,
    stop: Arc<AtomicBool>,
) -> Result<Summary, String> {
    // Before the journal is read or the failures file touched, in every mode.
    let input = crate::lock::lock_input(&options.input)?;
    options.source = Some(input.reopen_path());
    let dry_run = options.dry_run || client.is_none();
    // A failures file's rows are journaled as its original's: that file is
    // locked and journaled, and read for its rows' hashes.
    let mut failures_of = match options.format {
        Format::Csv => {
            crate::failures_import::original_of(&input.canonical, &options.open_rows()?.headers)?
        }
        Format::Jsonl => None,
    };
    let original_lock = match &failures_of {
        Some(of) => Some(crate::lock::lock_input(&of.original)?),
        None => None,
    };
    let journaled = original_lock.as_ref().unwrap_or(&input);
    let journaled_name = failures_of
        .as_ref()
        .map_or(options.input.clone(), |of| of.original.clone());
    let journaled_dialect = match &failures_of {
        Some(of) => Dialect::detect(&of.original, None, None)?,
        None => options.dialect,
    };
    let journaled_format = if failures_of.is_some() {
        Format::Csv
    } else {
        options.format
    };
    let journaled_rows = || {
        Rows::from_reader(
            journaled_dialect.reader(&journaled.reopen_path())?,
            &journaled_name.display().to_string(),
            journaled_format,
            &journaled_dialect,
            &options.rows,
        )
    };
    if let Some(of) = &failures_of {
        eprintln!(
            "kapture: {} holds failed rows of {}: each is journaled as the row of {} its row \
             column names, so neither file sends it again",
            options.input.display(),
            of.original.display(),
            of.original.display()
        );
    }
    let opened = match &options.crm {
        Some(crm) => {
            let fingerprint = {
                let mut rows = journaled_rows()?;
                let first = rows.next().transpose()?.map(|row| row.hash);
                journal::fingerprint(&rows.headers, first)
            };
            let opened = crate::journal_place::open(&crate::journal_place::Want {
                input: journaled,
                given: &journaled_name,
                destination: &Destination::of(crm),
                fingerprint: &fingerprint,
                key_check: &|salt| crm.key_check(salt),
                temporary: options.journal.as_deref(),
                dry_run,
                resume: options.resume,
            })?;
            for note in &opened.notes {
                eprintln!("kapture: {note}");
            }
            Some(opened)
        }
        None => None,
    };
    let (past, journal_file, journal_path, header, base) = match opened {
        Some(o) => (o.past, o.file, Some(o.path), o.header, Some(o.base)),
        None => (Past::default(), None, None, None, None),
    };
    if failures_of.is_none() {
        crate::failures_import::refuse_replacing_edits(
            &input.canonical,
            options.format,
            &options.dialect,
            options.open_rows()?,
            &past,
        )?;
    }
    if !past.is_empty() || failures_of.is_some() {
        let path = journal_path.as_deref().unwrap_or(&journaled_name);
        let hashes = verify(&past, journaled_rows()?, &journaled_name, path)?;
        if let Some(of) = failures_of.as_mut() {
            of.hashes = hashes;
        }
    }
    let rows = options.open_rows()?;
    // Counted once: sizes the duplicate table and the progress bar.
    let total_rows = rows::count_rows(
        options.source.as_deref().unwrap_or(&options.input),
        options.format,
        &options.dialect,
    );
    if total_rows == Some(0) {
        return Err(format!(
            "{}: no rows to import (the file is empty or holds only a header)",
            options.input.display()
        ));
    }
    let journal = match (journal_file, &journal_path) {
        (Some(file), Some(path)) if !dry_run => match Journal::from_file(file, path, header) {
            Ok(journal) => Some(Arc::new(journal)),
            Err(e) => {
                return Ok(Summary {
                    journal_failed: true,
                    stopped: Some(cannot_write_message(&e)),
                    journal_file: journal_path,
                    ..Summary::default()
                });
            }
        },
        _ => None,
    };
    if let Some(base) = base.filter(|_| journal.is_some() && options.journal.is_none())
        && let Err(warning) = crate::journal_place::remember(input.id, &base)
    {
        eprintln!("kapture: {warning}");
    }
    let shared = Arc::new(Shared {
        sending: journal.clone().map(SendingLog::start),
        journal,
        failures: Mutex::new(Failures::start(
            &input.canonical,
            match &failures_of {
                Some(of) => of.data_headers(&rows.headers),
                None => rows.headers.clone(),
            },
            options.format,
            options.dialect,
        )),
        summary: Mutex::new(Summary {
            damaged_journal_lines: past.damaged_lines,
            ..Summary::default()
        }),
        in_flight: Mutex::default(),
        stop_sending: AtomicBool::new(false),
        cannot_write: AtomicBool::new(false),
        failures_of,
    });

    let reconcile_with = client.clone().filter(|_| options.reconcile && !dry_run);
    let engine = match client.filter(|_| !dry_run) {
        Some(client) => {
            let (run, engine) = Run::start(
                &client,
                options.bulk.clone(),
                Some(before_send(shared.clone())),
            )
            .map_err(|e| e.to_string())?;
            tokio::spawn(engine);
            Some(run)
        }
        None => None,
    };
    let feeder = {
        let (shared, stop, run) = (shared.clone(), stop.clone(), engine.clone());
        let settings = Feed {
            expected_rows: total_rows.unwrap_or(0) as usize,
            dry_run,
            retry_unknown: options.retry_unknown,
            allow_duplicates: options.allow_duplicates,
            country_code: options.country_code.clone(),
        };
        let handle = tokio::runtime::Handle::current();
        tokio::task::spawn_blocking(move || {
            let fed = feed(
                rows,
                &past,
                &settings,
                &shared,
                run.as_deref(),
                &handle,
                &stop,
            );
            if let Some(run) = &run {
                run.close_input();
            }
            fed
        })
    };

    if let Some(run) = &engine {
        let mut progress = crate::progress::Progress::new(total_rows, options.progress_every);
        loop {
            match run.next().await {
                Ok(Some(outcome)) => shared.settle(outcome)?,
                Ok(None) => break,
                Err(error) => {
                    // Every row it owed has had its outcome (journaled above).
                    lock(&shared.summary).stopped = Some(error.to_string());
                    run.cancel();
                    break;
                }
            }
            let s = lock(&shared.summary);
            progress.update(s.done(), || {
                format!(
                    "{} added, {} failed, {} unknown, {} skipped",
                    s.added,
                    s.failed_total(),
                    s.unknown.len(),
                    s.skipped
                )
            });
        }
        progress.finish();
    }
    feeder.await.map_err(|e| format!("internal error: {e}"))??;

    let stopped = lock(&shared.summary).stopped.is_some();
    if let Some(client) = reconcile_with.filter(|_| !stopped && !stop.load(Ordering::SeqCst)) {
        // At least one attempt's timeout after the last send, so a request
        // the server is still processing is not missed.
        let wait = client.config().timeout;
        let done = crate::reconcile::reconcile(&client, &options, &shared, wait).await?;
        lock(&shared.summary).reconciled = Some(done);
    }

    if let Some(journal) = shared
        .journal
        .as_ref()
        .filter(|_| !shared.cannot_write.load(Ordering::SeqCst))
        && let Err(e) = journal.sync()
    {
        shared.could_not_write(&e)?;
    }
    let mut failures = lock(&shared.failures);
    if let Err(e) = failures.finish() {
        drop(failures);
        shared.could_not_write(&e)?;
        failures = lock(&shared.failures);
    }
    let mut summary = std::mem::take(&mut *lock(&shared.summary));
    summary.interrupted = stop.load(Ordering::SeqCst);
    summary.unknown.sort_unstable();
    if failures.written > 0 {
        summary.failures_file = Some(failures.path().to_path_buf());
    }
    if !dry_run && options.journal.is_none() {
        summary.journal_file = journal_path;
    }
    Ok(summary)
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

struct Feed {
    expected_rows: usize,
    dry_run: bool,
    retry_unknown: bool,
    allow_duplicates: bool,
    country_code: String,
}

/// The feeder: runs on a blocking thread, reads every row once.
fn feed(
    mut rows: Rows,
    past: &Past,
    settings: &Feed,
    shared: &Shared,
    run: Option<&Run>,
    handle: &tokio::runtime::Handle,
    stop: &AtomicBool,
) -> Result<(), String> {
    // First row holding each identity key; up to three keys a row.
    let mut seen = Seen::with_capacity(settings.expected_rows.saturating_mul(3).min(1 << 28));
    // The engine numbers what it is fed from 0, in order; this feeder is its
    // only producer, so the next index is known before feeding.
    let mut next_index = 0usize;
    let mut engine_gone: Option<String> = None;

    for row in rows.by_ref() {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let row = row?;
        lock(&shared.summary).rows += 1;
        let Some(Row {
            number,
            hash,
            request,
            cells,
        }) = shared.row_for(row)?
        else {
            continue;
        };
        let previous = past.get(number).map(|(_, state)| state);

        let request = match request {
            Ok(request) => request,
            Err(error) => {
                if previous != Some(State::Added) {
                    shared.fail(number, hash, &cells, error.code(), &reason(&error))?;
                } else {
                    lock(&shared.summary).skipped += 1;
                }
                continue;
            }
        };

        // Duplicates within the file, judged on every row (added ones too).
        let mut duplicate_of = None;
        if !settings.allow_duplicates {
            let keys = identity_keys(&request, &settings.country_code);
            duplicate_of = keys
                .iter()
                .find_map(|(key, field)| seen.get(*key).map(|first| (first, *field)));
            if duplicate_of.is_none() {
                for (key, _) in keys {
                    seen.insert(key, number as u32);
                }
            }
        }

        match previous {
            Some(State::Added) => {
                lock(&shared.summary).skipped += 1;
                continue;
            }
            Some(State::Sending | State::Unknown) if !settings.retry_unknown => {
                shared.unknown(number, hash, "outcome unknown from an earlier run")?;
                continue;
            }
            _ => {}
        }
        if let Some((first, field)) = duplicate_of {
            shared.fail(
                number,
                hash,
                &cells,
                "duplicate",
                &format!("duplicate of row {first} (same {field}); not sent"),
            )?;
            continue;
        }
        let Some(run) = run.filter(|_| !settings.dry_run) else {
            lock(&shared.summary).would_send += 1;
            continue;
        };
        if shared.stop_sending.load(Ordering::SeqCst) {
            shared.not_sent(
                number,
                hash,
                "not sent: authentication failed earlier in this run",
            )?;
            continue;
        }
        if let Some(why) = &engine_gone {
            shared.not_sent(number, hash, why)?;
            continue;
        }
        lock(&shared.in_flight).insert(
            next_index,
            InFlight {
                number,
                hash,
                cells,
            },
        );
        match handle.block_on(run.feed(Ok(request))) {
            Ok(index) if index == next_index => next_index += 1,
            Ok(index) => {
                return Err(format!(
                    "internal error: row fed as {index}, expected {next_index}"
                ));
            }
            Err(error) => {
                lock(&shared.in_flight).remove(&next_index);
                let why = format!("not sent: {error}");
                shared.not_sent(number, hash, &why)?;
                engine_gone = Some(why);
            }
        }
    }
    lock(&shared.summary).blank = rows.blank;
    Ok(())
}
