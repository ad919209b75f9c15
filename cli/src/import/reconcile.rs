//! `kapture import --reconcile`: rows whose outcome is unknown (from earlier
//! runs, and from this one once it has finished sending) are looked up with
//! Kapture's Get Customer, by their phone, else their email (else the
//! customer id of an update). Found: the row is journaled as added, "found
//! by lookup", and not sent, if it is the row's customer
//! (`Customer::mismatch`: the same name, and the row's email among its
//! own); a customer that merely holds the row's phone leaves the row
//! unknown, saying so. Not found: it is sent again. A lookup that itself
//! fails leaves the row unknown.
//!
//! The one risk: "not found" trusts the vendor's lookup. If it misses a
//! customer that exists, the re-send writes a second time.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use kapture_crm::log::TARGET_RECONCILE;
use kapture_crm::{AddCustomerRequest, Client, CustomerLookup};
use serde_json::json;

use super::options::Options;
use kapture_crm::sync::lock;

use super::shared::{Shared, reason};
use crate::journal::State;
use crate::problem::Problem;
use crate::summary::Reconciled;

/// The lookup for a row: its phone, else its email, else its customer id.
fn lookup_for(request: &AddCustomerRequest) -> Option<CustomerLookup> {
    let info = &request.customer_info;
    let given = |v: &str| !v.trim().is_empty();
    if given(&info.phone) {
        Some(CustomerLookup::by_phone(info.phone.trim()))
    } else if given(&info.email_id) {
        Some(CustomerLookup::by_email(info.email_id.trim()))
    } else if given(&info.customer_id) {
        Some(CustomerLookup::by_customer_id(info.customer_id.trim()))
    } else {
        None
    }
}

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
        let Some(lookup) = lookup_for(request) else {
            continue;
        };
        let found = match client.find_customer(&lookup).await {
            Ok(found) => found,
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
        // Whoever holds the phone (or email) is not always the row's
        // customer; an update's id names its customer.
        let by_id = lookup.customer_id.is_some();
        if let Some((customer, why)) = found
            .as_ref()
            .filter(|_| !by_id)
            .and_then(|c| c.mismatch(request).map(|why| (c, why)))
        {
            let id = customer
                .id
                .map_or_else(|| "(no id)".to_string(), |id| id.to_string());
            let reason = format!(
                "outcome unknown: the lookup found customer {id}, but {why}; not the row's \
                 customer, so the row stays unknown (check it, or --retry-unknown to send it)"
            );
            tracing::warn!(
                target: TARGET_RECONCILE,
                row = number, found = true, matches = false,
                "row {number}: {}", kapture_crm::log::redact(&reason)
            );
            shared.journal(number, row.hash, State::Unknown, json!({"error": reason}))?;
            continue;
        }
        match &found {
            Some(customer) => tracing::info!(
                target: TARGET_RECONCILE,
                row = number, found = true,
                "row {number}: found customer {} by lookup; recorded as added, not sent again",
                customer.id.map_or_else(|| "(no id)".to_string(), |id| id.to_string())
            ),
            None => tracing::info!(
                target: TARGET_RECONCILE,
                row = number, found = false,
                "row {number}: not found by lookup; sending it again"
            ),
        }
        let settled = match found {
            Some(customer) => {
                shared.journal(
                    number,
                    row.hash,
                    State::Added,
                    json!({"customer_id": customer.id, "found_by": "lookup"}),
                )?;
                done.found += 1;
                true
            }
            None => {
                // Durable before the request leaves, as every send is.
                shared.journal(number, row.hash, State::Sending, json!({"reconcile": true}))?;
                if let Some(journal) = &shared.journal {
                    journal.sync().map_err(Problem::Journal)?;
                }
                match client.add_customer(request).await {
                    Ok(reply) => {
                        shared.journal(
                            number,
                            row.hash,
                            State::Added,
                            json!({"customer_id": reply.customer_id(), "resent": true}),
                        )?;
                        done.resent += 1;
                        true
                    }
                    Err(error) if error.existing_customer_id().is_some() => {
                        // "Lead already exists, Customer ID :N": it was there.
                        shared.journal(
                            number,
                            row.hash,
                            State::Added,
                            json!({"customer_id": error.existing_customer_id(), "found_by": "already exists"}),
                        )?;
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
            summary.added += 1;
        }
    }
    Ok(done)
}
