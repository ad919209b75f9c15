//! `kapture import FILE`: every row added once, nothing lost, nothing doubled.
//!
//! A feeder thread reads rows, settles what needs no sending (already added
//! in an earlier run, unknown outcome, duplicate within the file, invalid),
//! journals "sending" (synced) for the rest and hands them to the core's bulk
//! engine; the async side journals each outcome. Ctrl-C stops the feeder;
//! calls in flight finish and are journaled before the summary.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use futures_util::{StreamExt, stream};
use kapture_crm::bulk::{self, BulkOptions, Input};
use kapture_crm::{AddCustomerRequest, Client, Error};
use serde_json::json;
use tokio::sync::mpsc;

use crate::journal::{self, Journal, Past, State};
use crate::rows::{Format, Row, Rows, fnv};
use crate::seen::Seen;

pub struct Options {
    pub input: PathBuf,
    pub format: Format,
    pub renames: Vec<(String, String)>,
    pub concurrency: usize,
    pub rate: Option<f64>,
    pub dry_run: bool,
    pub resume: bool,
    pub retry_unknown: bool,
    pub allow_duplicates: bool,
    /// Seconds between progress lines on stderr (0: none).
    pub progress_every: f64,
    /// Where the journal goes (default: next to the input). A run against an
    /// in-process sandbox keeps it in a temporary file removed afterwards:
    /// the sandbox's customers die with the process, so must its journal.
    pub journal: Option<PathBuf>,
}

/// Where every row ended up in this run.
#[derive(Debug, Default)]
pub struct Summary {
    pub rows: u64,
    pub added: u64,
    /// Failed rows by error code (`validation`, `api`, `duplicate`...).
    pub failed: BTreeMap<String, u64>,
    /// Rows whose outcome is unknown: check them in the CRM.
    pub unknown: Vec<u64>,
    /// Already added by an earlier run.
    pub skipped: u64,
    /// Valid rows a dry run would send.
    pub would_send: u64,
    pub interrupted: bool,
    pub failures_file: Option<PathBuf>,
    pub journal_file: Option<PathBuf>,
}

impl Summary {
    pub fn failed_total(&self) -> u64 {
        self.failed.values().sum()
    }

    pub fn print(&self, out: &mut impl std::io::Write) -> std::io::Result<()> {
        let title = if self.interrupted {
            "Interrupted"
        } else {
            "Done"
        };
        writeln!(out, "{title}: {} rows read", self.rows)?;
        if self.would_send > 0
            || (self.added == 0 && self.rows > 0 && self.failed_total() == 0 && self.skipped == 0)
        {
            writeln!(out, "  would send:  {}", self.would_send)?;
        }
        writeln!(out, "  added:       {}", self.added)?;
        writeln!(
            out,
            "  skipped:     {} (added by an earlier run)",
            self.skipped
        )?;
        writeln!(out, "  failed:      {}", self.failed_total())?;
        for (code, n) in &self.failed {
            writeln!(out, "    {code}: {n}")?;
        }
        writeln!(
            out,
            "  duplicate:   {} (same customer_code, phone or email as an earlier row)",
            self.failed.get("duplicate").copied().unwrap_or(0)
        )?;
        writeln!(out, "  unknown:     {}", self.unknown.len())?;
        if !self.unknown.is_empty() {
            let shown: Vec<String> = self.unknown.iter().take(20).map(u64::to_string).collect();
            let more = if self.unknown.len() > 20 { ", ..." } else { "" };
            writeln!(
                out,
                "    rows {}{more}: these may or may not have been added. Check them in the CRM; \
                 --retry-unknown sends them again.",
                shown.join(", ")
            )?;
        }
        if let Some(path) = &self.failures_file {
            writeln!(
                out,
                "  failed rows with an `error` column: {}",
                path.display()
            )?;
        }
        if let Some(path) = &self.journal_file {
            writeln!(out, "  journal: {} (run again to resume)", path.display())?;
        }
        Ok(())
    }
}

/// What travels with a row while its request is in flight.
struct InFlight {
    number: u64,
    hash: u64,
    cells: Vec<String>,
}

/// The journal, the failures file and the summary, shared by both sides.
struct Records {
    journal: Option<Journal>,
    failures: Option<csv::Writer<std::fs::File>>,
    failures_path: PathBuf,
    failures_written: u64,
    headers: Vec<String>,
    format: Format,
    summary: Summary,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Records {
    fn journal(
        &mut self,
        row: u64,
        hash: u64,
        state: State,
        extra: serde_json::Value,
    ) -> Result<(), String> {
        match &mut self.journal {
            Some(journal) => journal.record(row, hash, state, extra),
            None => Ok(()),
        }
    }

    fn fail(
        &mut self,
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
        *self.summary.failed.entry(code.to_string()).or_default() += 1;
        if self.failures.is_none() {
            let mut writer = csv::Writer::from_path(&self.failures_path)
                .map_err(|e| format!("{}: {e}", self.failures_path.display()))?;
            let header: Vec<&str> = match self.format {
                Format::Csv => self
                    .headers
                    .iter()
                    .map(String::as_str)
                    .chain(["error"])
                    .collect(),
                Format::Jsonl => vec!["row", "json", "error"],
            };
            writer.write_record(header).map_err(|e| e.to_string())?;
            self.failures = Some(writer);
        }
        let Some(writer) = self.failures.as_mut() else {
            return Ok(());
        };
        let number_text = number.to_string();
        let record: Vec<&str> = match self.format {
            // The original cells (padded to the header), then the reason.
            Format::Csv => {
                let mut record: Vec<&str> = cells.iter().map(String::as_str).collect();
                record.resize(self.headers.len().max(record.len()), "");
                record.push(message);
                record
            }
            Format::Jsonl => vec![
                number_text.as_str(),
                cells.first().map_or("", String::as_str),
                message,
            ],
        };
        writer.write_record(record).map_err(|e| e.to_string())?;
        self.failures_written += 1;
        Ok(())
    }
}

/// Checks, before anything is sent, that every row the journal knows is
/// unchanged in the file.
fn verify(past: &Past, options: &Options) -> Result<(), String> {
    let rows = Rows::open(&options.input, options.format, &options.renames)?;
    let mut last = 0;
    for row in rows {
        let row = row?;
        last = row.number;
        if let Some((hash, _)) = past.get(row.number)
            && hash != row.hash
        {
            return Err(format!(
                "row {} of {} changed since its journal was written; refusing to resume \
                 (nothing was sent). Restore the file, or move {} away to start over.",
                row.number,
                options.input.display(),
                journal::path_for(&options.input).display()
            ));
        }
    }
    if past.get(last + 1).is_some() {
        return Err(format!(
            "{} has fewer rows than its journal records; refusing to resume (nothing was sent).",
            options.input.display()
        ));
    }
    Ok(())
}

/// Keys that make two rows the same customer.
fn identity_keys(request: &AddCustomerRequest) -> Vec<(u64, &'static str)> {
    let info = &request.customer_info;
    let mut keys = Vec::new();
    let code = info.customer_code.trim();
    if !code.is_empty() {
        keys.push((fnv(&[b"code", code.as_bytes()]), "customer_code"));
    }
    let digits: String = info.phone.chars().filter(char::is_ascii_digit).collect();
    if !digits.is_empty() {
        keys.push((fnv(&[b"phone", digits.as_bytes()]), "phone"));
    }
    let email = info.email_id.trim().to_lowercase();
    if !email.is_empty() {
        keys.push((fnv(&[b"email", email.as_bytes()]), "email_id"));
    }
    keys
}

pub async fn run(
    client: Option<Client>,
    options: Options,
    stop: Arc<AtomicBool>,
) -> Result<Summary, String> {
    let journal_path = options
        .journal
        .clone()
        .unwrap_or_else(|| journal::path_for(&options.input));
    let past = if journal_path.exists() {
        if !options.resume {
            return Err(format!(
                "{} exists from an earlier run; resume (the default) or move it away to start over",
                journal_path.display()
            ));
        }
        journal::load(&journal_path)?
    } else {
        Past::default()
    };
    if !past.is_empty() {
        verify(&past, &options)?;
    }
    let rows = Rows::open(&options.input, options.format, &options.renames)?;
    let failures_path = failures_path(&options.input);
    let _ = std::fs::remove_file(&failures_path); // this run's failures only
    let records = Arc::new(Mutex::new(Records {
        journal: if options.dry_run {
            None
        } else {
            Some(Journal::open(&journal_path)?)
        },
        failures: None,
        failures_path: failures_path.clone(),
        failures_written: 0,
        headers: rows.headers.clone(),
        format: options.format,
        summary: Summary::default(),
    }));

    // Counted once: sizes the duplicate table and the progress bar.
    let total_rows = crate::progress::count_rows(&options.input, options.format == Format::Csv);
    let (input, requests) = mpsc::channel::<Input>(options.concurrency.max(1));
    let in_flight: Arc<Mutex<HashMap<usize, InFlight>>> = Arc::default();
    let feeder = {
        let (records, in_flight, stop) = (records.clone(), in_flight.clone(), stop.clone());
        let settings = Feed {
            concurrency: options.concurrency.max(1),
            expected_rows: total_rows.unwrap_or(0) as usize,
            dry_run: options.dry_run || client.is_none(),
            retry_unknown: options.retry_unknown,
            allow_duplicates: options.allow_duplicates,
        };
        tokio::task::spawn_blocking(move || {
            feed(rows, &past, &settings, &records, &in_flight, &input, &stop)
        })
    };

    if let Some(client) = client {
        let requests = stream::unfold(requests, |mut rx| async move {
            rx.recv().await.map(|r| (r, rx))
        });
        let bulk_options = BulkOptions {
            concurrency: options.concurrency.max(1),
            ordered: false,
            rate: options.rate,
        };
        let mut outcomes = bulk::add_customers(&client, requests, &bulk_options);
        let mut progress = crate::progress::Progress::new(total_rows, options.progress_every);
        while let Some(outcome) = outcomes.next().await {
            let Some(row) = lock(&in_flight).remove(&outcome.index) else {
                return Err(format!(
                    "internal error: no row for outcome {}",
                    outcome.index
                ));
            };
            let mut records = lock(&records);
            match outcome.result {
                Ok(reply) => {
                    records.journal(
                        row.number,
                        row.hash,
                        State::Added,
                        json!({"customer_id": reply.customer_id()}),
                    )?;
                    records.summary.added += 1;
                }
                Err(error) if error.outcome_unknown() => {
                    records.journal(
                        row.number,
                        row.hash,
                        State::Unknown,
                        json!({"error": error.to_string()}),
                    )?;
                    records.summary.unknown.push(row.number);
                }
                Err(error) => {
                    records.fail(
                        row.number,
                        row.hash,
                        &row.cells,
                        error.code(),
                        &reason(&error),
                    )?;
                }
            }
            let s = &records.summary;
            let done = s.added + s.failed_total() + s.unknown.len() as u64 + s.skipped;
            progress.update(done, || {
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
    } else {
        drop(requests);
    }
    feeder.await.map_err(|e| format!("internal error: {e}"))??;

    let mut records = lock(&records);
    if let Some(journal) = records.journal.as_mut() {
        journal.sync()?;
    }
    if let Some(mut writer) = records.failures.take() {
        writer.flush().map_err(|e| e.to_string())?;
    }
    let mut summary = std::mem::take(&mut records.summary);
    summary.interrupted = stop.load(Ordering::SeqCst);
    summary.unknown.sort_unstable();
    if records.failures_written > 0 {
        summary.failures_file = Some(failures_path);
    }
    if !options.dry_run && options.journal.is_none() {
        summary.journal_file = Some(journal_path);
    }
    Ok(summary)
}

/// One line for the failures file: validation problems joined, else the error.
fn reason(error: &Error) -> String {
    match error {
        Error::Validation(problems) => problems
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    }
}

pub fn failures_path(input: &Path) -> PathBuf {
    let stem = input
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    input.with_file_name(format!("{stem}.failed.csv"))
}

struct Feed {
    concurrency: usize,
    expected_rows: usize,
    dry_run: bool,
    retry_unknown: bool,
    allow_duplicates: bool,
}

/// The feeder: runs on a blocking thread, reads every row once.
fn feed(
    rows: Rows,
    past: &Past,
    settings: &Feed,
    records: &Mutex<Records>,
    in_flight: &Mutex<HashMap<usize, InFlight>>,
    input: &mpsc::Sender<Input>,
    stop: &AtomicBool,
) -> Result<(), String> {
    // First row holding each identity key; up to three keys a row.
    let mut seen = Seen::with_capacity(settings.expected_rows.saturating_mul(3).min(1 << 28));
    let mut batch: Vec<(AddCustomerRequest, InFlight)> = Vec::new();
    let mut next_index = 0usize;

    // "sending" is synced before the batch goes out, so a crash can never
    // leave a sent row without a trace in the journal.
    let mut send_batch = |batch: &mut Vec<(AddCustomerRequest, InFlight)>| -> Result<(), String> {
        if batch.is_empty() {
            return Ok(());
        }
        {
            let mut records = lock(records);
            for (_, row) in batch.iter() {
                records.journal(row.number, row.hash, State::Sending, json!({}))?;
            }
            if let Some(journal) = records.journal.as_mut() {
                journal.sync()?;
            }
        }
        for (request, row) in batch.drain(..) {
            lock(in_flight).insert(next_index, row);
            next_index += 1;
            if input.blocking_send(Ok(request)).is_err() {
                return Err("internal error: the bulk engine stopped".into());
            }
        }
        Ok(())
    };

    for row in rows {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let Row {
            number,
            hash,
            request,
            cells,
        } = row?;
        lock(records).summary.rows += 1;
        let previous = past.get(number).map(|(_, state)| state);

        let request = match request
            .map_err(|e| Error::Validation(vec![kapture_crm::FieldError::new("", e)]))
            .and_then(|value| AddCustomerRequest::from_json(&value))
        {
            Ok(request) => request,
            Err(error) => {
                if previous != Some(State::Added) {
                    lock(records).fail(number, hash, &cells, error.code(), &reason(&error))?;
                } else {
                    lock(records).summary.skipped += 1;
                }
                continue;
            }
        };

        // Duplicates within the file, judged on every row (added ones too).
        let mut duplicate_of = None;
        if !settings.allow_duplicates {
            let keys = identity_keys(&request);
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
                lock(records).summary.skipped += 1;
                continue;
            }
            Some(State::Sending | State::Unknown) if !settings.retry_unknown => {
                let mut records = lock(records);
                records.journal(
                    number,
                    hash,
                    State::Unknown,
                    json!({"error": "outcome unknown from an earlier run"}),
                )?;
                records.summary.unknown.push(number);
                continue;
            }
            _ => {}
        }
        if let Some((first, field)) = duplicate_of {
            let mut records = lock(records);
            records.fail(
                number,
                hash,
                &cells,
                "duplicate",
                &format!("duplicate of row {first} (same {field}); not sent"),
            )?;
            continue;
        }
        if settings.dry_run {
            lock(records).summary.would_send += 1;
            continue;
        }
        batch.push((
            request,
            InFlight {
                number,
                hash,
                cells,
            },
        ));
        if batch.len() >= settings.concurrency {
            send_batch(&mut batch)?;
        }
    }
    send_batch(&mut batch)?;
    Ok(())
}
