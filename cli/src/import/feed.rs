//! The feeder: reads every row once, settles what needs no sending, and
//! feeds the rest to the engine.

use std::sync::atomic::{AtomicBool, Ordering};

use kapture_crm::bulk::Run;

use kapture_crm::sync::lock;

use super::shared::{InFlight, Shared, reason};
use crate::identity::identity_keys;
use crate::journal::Past;
use crate::problem::Problem;
use crate::rows::{Row, Rows};
use crate::seen::Seen;
use kapture_crm::journal::{Verdict, verdict};

pub(crate) struct Feed {
    pub(crate) expected_rows: usize,
    pub(crate) dry_run: bool,
    pub(crate) retry_unknown: bool,
    pub(crate) allow_duplicates: bool,
    pub(crate) country_code: String,
}

/// The feeder: runs on a blocking thread, reads every row once.
pub(crate) fn feed(
    mut rows: Rows,
    past: &Past,
    settings: &Feed,
    shared: &Shared,
    run: Option<&Run>,
    handle: &tokio::runtime::Handle,
    stop: &AtomicBool,
) -> Result<(), Problem> {
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
        let row = row.map_err(Problem::Input)?;
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
        // The journal's rule, the one a library run's journal follows too.
        let previous = verdict(past.get(number), hash);

        let request = match request {
            Ok(request) => request,
            Err(error) => {
                if !matches!(previous, Verdict::Added | Verdict::Changed) {
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
            // A file whose added rows changed was refused before anything
            // was sent (`verify`); an added row is never sent again.
            Verdict::Added | Verdict::Changed => {
                lock(&shared.summary).skipped += 1;
                continue;
            }
            Verdict::Unknown if !settings.retry_unknown => {
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
                return Err(Problem::Internal(format!(
                    "row fed as {index}, expected {next_index}"
                )));
            }
            Err(error) => {
                lock(&shared.in_flight).remove(&next_index);
                let why = format!("not sent: {error}");
                shared.not_sent(number, hash, &why)?;
                engine_gone = Some(why);
            }
        }
    }
    let mut summary = lock(&shared.summary);
    // `rows` counts every row read, blank ones too (the README's sum).
    summary.blank = rows.blank;
    summary.rows += rows.blank;
    summary.sheet = rows.sheet.clone();
    Ok(())
}
