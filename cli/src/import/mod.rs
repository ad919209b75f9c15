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

mod feed;
mod options;
pub(crate) mod reconcile;
pub(crate) mod shared;
mod verify;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use kapture_crm::Client;
use kapture_crm::bulk::Run;

pub use options::Options;

use crate::destination::Destination;
use crate::failures::Failures;
use crate::journal::{self, Journal, Past, SendingLog};
use crate::problem::Problem;
use crate::rows::{self, Format};
use crate::summary::Summary;
use crate::usage;
use feed::{Feed, feed};
use kapture_crm::sync::lock;
use shared::{Shared, before_send, cannot_write_message};
use verify::verify;

pub async fn run(
    client: Option<Client>,
    mut options: Options,
    stop: Arc<AtomicBool>,
) -> Result<Summary, Problem> {
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
        Format::Jsonl | Format::Workbook => None,
    };
    let original_lock = match &failures_of {
        Some(of) => Some(crate::lock::lock_input(&of.original)?),
        None => None,
    };
    let journaled = original_lock.as_ref().unwrap_or(&input);
    let journaled_name = failures_of
        .as_ref()
        .map_or(options.input.clone(), |of| of.original.clone());
    // A failures file is written in its original's dialect: the one this
    // run read (or was told, `--encoding`) is the original's too.
    let journaled_dialect = options.dialect;
    let journaled_format = failures_of.as_ref().map_or(options.format, |of| of.format);
    // A failures file of a workbook's sheet: that sheet, its header found
    // again as the first run found it.
    let journaled_rows = match failures_of.as_ref().and_then(|of| of.sheet.clone()) {
        Some(sheet) => kapture_crm::rows::RowOptions {
            sheet: Some(sheet),
            ..options.rows.clone()
        },
        None => options.rows.clone(),
    };
    // The file journaled, read once without mapping: its rows' hashes (for
    // resume's check and a failures file's rows), its fingerprint, its size.
    let scanned = rows::scan(
        &journaled.reopen_path(),
        &journaled_name.display().to_string(),
        journaled_format,
        &journaled_dialect,
        &journaled_rows,
    )
    .map_err(Problem::Input)?;
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
            let fingerprint = journal::fingerprint(&scanned.headers, scanned.first());
            let opened = crate::journal_place::open(&crate::journal_place::Want {
                input: journaled,
                given: &journaled_name,
                destination: &Destination::of(crm),
                sheet: scanned.sheet.as_deref(),
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
            scanned.sheet.as_deref(),
            options.format,
            &options.dialect,
            options.open_rows()?,
            &past,
        )?;
    }
    if !past.is_empty() {
        let path = journal_path.as_deref().unwrap_or(&journaled_name);
        verify(&past, &scanned.hashes, &journaled_name, path)?;
    }
    // Sizes the duplicate table and the progress bar.
    let total_rows = match failures_of.as_mut() {
        Some(of) => {
            of.hashes = scanned.hashes;
            rows::count_rows(
                options.source.as_deref().unwrap_or(&options.input),
                options.format,
                &options.dialect,
                &options.rows,
            )
        }
        None => Some(scanned.data_rows()),
    };
    let rows = options.open_rows()?;
    if total_rows == Some(0) {
        return Err(usage!(
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
            rows.sheet.as_ref().map(|s| s.name.as_str()),
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
            )?;
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
    feeder
        .await
        .map_err(|e| Problem::Internal(e.to_string()))??;

    let stopped = lock(&shared.summary).stopped.is_some();
    if let Some(client) = reconcile_with.filter(|_| !stopped && !stop.load(Ordering::SeqCst)) {
        // At least one attempt's timeout after the last send, so a request
        // the server is still processing is not missed.
        let wait = client.config().timeout;
        let done = reconcile::reconcile(&client, &options, &shared, wait).await?;
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
