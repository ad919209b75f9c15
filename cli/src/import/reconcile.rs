//! `kapture import --reconcile`: rows whose outcome is unknown (from earlier
//! runs, and from this one once it has finished sending) are looked up and
//! settled by the core's rule (`kapture_crm::resume::reconcile`, which a
//! library run's `reconcile` uses too). Found: the row is journaled as
//! added, "found by lookup", and not sent. Someone else's customer under
//! its phone, or a lookup that fails: the row stays unknown, saying so.
//! Not found: it is sent again.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use kapture_crm::log::TARGET_RECONCILE;
use kapture_crm::resume::reconcile::{Looked, found_in_refusal, look_up};
use kapture_crm::{Client, UpsertAction};
use serde_json::json;

use super::options::Options;
use kapture_crm::sync::lock;

use super::shared::{Shared, reason};
use crate::journal::State;
use crate::problem::Problem;
use crate::summary::Reconciled;

/// Settles the unknown rows of `shared`'s summary; `wait` first, so a
/// request the server is still processing is not missed.
pub(crate) async fn reconcile(
    client: &Client,
    options: &Options,
    shared: &Shared,
    wait: Duration,
) -> Result<Reconciled, Problem> {
    let unknown: Vec<u64> = lock(&shared.summary).unknown.clone();
    let mut done = Reconciled::default();
    if unknown.is_empty() {
        return Ok(done);
    }
    tokio::time::sleep(wait).await;
    // The rows again, from the file (its rows were checked unchanged).
    let wanted: HashSet<u64> = unknown.iter().copied().collect();
    let mut rows = HashMap::new();
    for row in options.open_rows()? {
        let Some(row) = shared.journaled_row(row.map_err(Problem::Input)?) else {
            continue;
        };
        if wanted.contains(&row.number) {
            rows.insert(row.number, row);
        }
    }
    for number in unknown {
        let Some(row) = rows.remove(&number) else {
            continue;
        };
        let Ok(request) = &row.request else { continue };
        // The lookup and its decision are the core's (a library run's
        // `reconcile` makes the same one).
        let looked = look_up(client, request, options.bulk.upsert).await;
        let found = match looked {
            Ok(Looked::Found(found)) => Some(found),
            Ok(Looked::Missing | Looked::Upsert) => None,
            Ok(Looked::Unsettled(why)) => {
                let reason = format!(
                    "outcome unknown: {why}, so the row stays unknown (check it, or \
                     --retry-unknown to send it)"
                );
                tracing::warn!(
                    target: TARGET_RECONCILE,
                    row = number, found = true, matches = false,
                    "row {number}: {}", kapture_crm::log::redact(&reason)
                );
                shared.journal(number, row.hash, State::Unknown, json!({"error": reason}))?;
                continue;
            }
            Err(error) => {
                tracing::warn!(
                    target: TARGET_RECONCILE,
                    row = number, error = error.code(),
                    "row {number}: the lookup failed, the row stays unknown: {}",
                    kapture_crm::log::redact(&error.to_string())
                );
                continue;
            }
        };
        match &found {
            Some(found) => tracing::info!(
                target: TARGET_RECONCILE,
                row = number, found = true,
                "row {number}: found customer {} by lookup; recorded as added, not sent again",
                found.customer_id.map_or_else(|| "(no id)".to_string(), |id| id.to_string())
            ),
            None if options.bulk.upsert.is_some() => tracing::info!(
                target: TARGET_RECONCILE,
                row = number,
                "row {number}: an upsert whose outcome was unknown; sending it again"
            ),
            None => tracing::info!(
                target: TARGET_RECONCILE,
                row = number, found = false,
                "row {number}: not found by lookup; sending it again"
            ),
        }
        let mut updated = false;
        let settled = match found {
            Some(found) => {
                shared.journal(number, row.hash, State::Added, found.journal_fields())?;
                done.found += 1;
                true
            }
            None => {
                // Durable before the request leaves, as every send is.
                shared.journal(number, row.hash, State::Sending, json!({"reconcile": true}))?;
                if let Some(journal) = &shared.journal {
                    journal.sync().map_err(Problem::Journal)?;
                }
                let resent = match options.bulk.upsert {
                    Some(on) => client
                        .upsert_customer(request, on)
                        .await
                        .map(|done| (done.customer_id, done.action)),
                    None => client
                        .add_customer(request)
                        .await
                        .map(|reply| (reply.customer_id(), UpsertAction::Added)),
                };
                match resent {
                    Ok((customer_id, action)) => {
                        shared.journal(
                            number,
                            row.hash,
                            State::Added,
                            json!({"customer_id": customer_id, "resent": true}),
                        )?;
                        done.resent += 1;
                        updated = action == UpsertAction::Updated;
                        true
                    }
                    Err(error) if let Some(found) = found_in_refusal(&error) => {
                        // "Lead already exists, Customer ID :N": it was there.
                        shared.journal(number, row.hash, State::Added, found.journal_fields())?;
                        done.found += 1;
                        true
                    }
                    Err(error) if error.outcome_unknown() => {
                        shared.journal(
                            number,
                            row.hash,
                            State::Unknown,
                            json!({"error": error.to_string()}),
                        )?;
                        false
                    }
                    Err(error) => {
                        let mut summary = lock(&shared.summary);
                        summary.unknown.retain(|n| *n != number);
                        drop(summary);
                        shared.fail(number, row.hash, &row.cells, error.code(), &reason(&error))?;
                        continue;
                    }
                }
            }
        };
        if settled {
            let mut summary = lock(&shared.summary);
            summary.unknown.retain(|n| *n != number);
            if updated {
                summary.updated += 1;
            } else {
                summary.added += 1;
            }
        }
    }
    Ok(done)
}
