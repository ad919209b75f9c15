//! Step 17 item 1: a resumable library run with `reconcile`, against the
//! sandbox: a record an earlier run left unknown is looked up and settled,
//! found (not sent, with no reply made up), not found (sent), or someone
//! else's customer (still unknown).

use std::path::Path;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use kapture_crm::bulk::{BulkOptions, Outcome, Success};
use kapture_crm::resume::reconcile::{Found, FoundBy};
use kapture_crm::resume::{self, RunJournal};
use kapture_crm::{AddCustomerRequest, Client, Error};
use kapture_crm_sandbox::{Faults, Sandbox, SandboxConfig};

const TIMEOUT: Duration = Duration::from_secs(1);

mod support;

use support::scratch::Dir;

/// Each send is one customer, so a second send would show.
async fn strict_sandbox(faults: Faults) -> Sandbox {
    Sandbox::start(SandboxConfig {
        faults,
        no_merge: true,
        ..SandboxConfig::default()
    })
    .await
    .unwrap()
}

/// No retries (a dropped reply stays unknown); a short timeout (the wait
/// before the lookups).
fn client(sandbox: &Sandbox) -> Client {
    Client::builder()
        .token(sandbox.token())
        .base_url(sandbox.url())
        .max_retries(0)
        .timeout(TIMEOUT)
        .build()
        .unwrap()
}

async fn run(
    client: &Client,
    journal: &Path,
    records: &[(&str, AddCustomerRequest)],
    reconcile: bool,
) -> Vec<Outcome> {
    run_with(client, journal, records, reconcile, None).await
}

async fn run_with(
    client: &Client,
    journal: &Path,
    records: &[(&str, AddCustomerRequest)],
    reconcile: bool,
    upsert: Option<&str>,
) -> Vec<Outcome> {
    let journal = RunJournal::open(journal, client.config()).unwrap();
    let keyed: Vec<_> = records
        .iter()
        .map(|(key, r)| (key.to_string(), Ok(r.clone())))
        .collect();
    let options = BulkOptions {
        reconcile,
        ..BulkOptions::default().with_upsert(upsert).unwrap()
    };
    let outcomes =
        resume::add_customers(client, futures_util::stream::iter(keyed), options, journal).unwrap();
    outcomes.map(Result::unwrap).collect().await
}

fn found(outcome: &Outcome) -> Found {
    match &outcome.result {
        Ok(Success::Found(found)) => *found,
        other => panic!("not found: {other:?}"),
    }
}

#[tokio::test]
async fn reconcile_settles_an_unknown_add_that_landed_as_found_and_sends_nothing() {
    let dir = Dir::new("reconcile-found");
    let sandbox = strict_sandbox(Faults {
        drop_after: 1.0,
        ..Faults::default()
    })
    .await;
    let client = client(&sandbox);
    let records: Vec<_> = [
        ("C-0", "Asha Rao"),
        ("C-1", "Ravi Iyer"),
        ("C-2", "Meena K"),
    ]
    .into_iter()
    .enumerate()
    .map(|(i, (key, name))| {
        (
            key,
            AddCustomerRequest::with_phone(name, format!("981000000{i}")),
        )
    })
    .collect();
    // Processed, and every reply lost.
    let first = run(&client, &dir.journal(), &records, false).await;
    assert!(
        first
            .iter()
            .all(|o| o.result.as_ref().is_err_and(Error::outcome_unknown)),
        "{first:?}"
    );
    sandbox.set_faults(Faults::default()).unwrap();
    let sent = sandbox.stats().add_update_requests;

    let started = Instant::now();
    let second = run(&client, &dir.journal(), &records, true).await;
    assert!(
        started.elapsed() >= TIMEOUT,
        "looked up before a call of the earlier run could have been answered"
    );
    let held = sandbox.customers();
    assert_eq!(held.len(), 3);
    for (outcome, (_, request)) in second.iter().zip(&records) {
        let found = found(outcome);
        assert_eq!(found.by, FoundBy::Lookup);
        let theirs = held
            .iter()
            .find(|c| c.request["customer_info"]["phone"] == request.customer_info.phone)
            .unwrap();
        assert_eq!(found.customer_id, Some(theirs.customer_id));
        assert!(outcome.from_journal, "not sent in this run");
    }
    assert_eq!(
        sandbox.stats().add_update_requests,
        sent,
        "a found record was sent again"
    );
    assert_eq!(sandbox.stats().lookup_requests, 3);
    let journal = std::fs::read_to_string(dir.journal()).unwrap();
    assert_eq!(
        journal.matches("\"found_by\":\"lookup\"").count(),
        3,
        "{journal}"
    );

    // A later run reads them from the journal: found again, nothing sent or
    // looked up.
    let third = run(&client, &dir.journal(), &records, false).await;
    for (a, b) in second.iter().zip(&third) {
        assert_eq!(found(a), found(b));
        assert!(b.from_journal);
    }
    assert_eq!(sandbox.stats().add_update_requests, sent);
    assert_eq!(sandbox.stats().lookup_requests, 3);
    assert!(held.iter().all(|c| c.writes == 1));
}

#[tokio::test]
async fn reconcile_sends_a_record_nobody_received_and_leaves_another_customers_phone_unknown() {
    let dir = Dir::new("reconcile-missing");
    let sandbox = strict_sandbox(Faults::default()).await;
    let client = client(&sandbox);
    // Someone already holds the phone the first record gives.
    let old = AddCustomerRequest::with_phone("Old Customer", "9820000001");
    client.add_customer(&old).await.unwrap();
    let records = [
        (
            "new",
            AddCustomerRequest::with_phone("New Person", "9820000001"),
        ),
        (
            "fresh",
            AddCustomerRequest::with_phone("Fresh One", "9820000002"),
        ),
    ];
    // Dropped before the server read them: nothing was created.
    sandbox
        .set_faults(Faults {
            drop_before: 1.0,
            ..Faults::default()
        })
        .unwrap();
    let first = run(&client, &dir.journal(), &records, false).await;
    assert!(
        first
            .iter()
            .all(|o| o.result.as_ref().is_err_and(Error::outcome_unknown))
    );
    sandbox.set_faults(Faults::default()).unwrap();

    let second = run(&client, &dir.journal(), &records, true).await;
    let error = second[0].result.as_ref().unwrap_err();
    assert!(error.outcome_unknown(), "{error}");
    let text = error.to_string();
    assert!(
        text.contains("record new") && text.contains("not this record's customer"),
        "{text}"
    );
    match &second[1].result {
        Ok(Success::Reply(reply)) => assert_eq!(reply.status(), Some("success")),
        other => panic!("{other:?}"),
    }
    assert!(!second[1].from_journal, "sent in this run");
    let held = sandbox.customers();
    assert_eq!(
        held.len(),
        2,
        "the old customer and the fresh one, nobody twice"
    );
    assert!(held.iter().all(|c| c.writes == 1));

    // The unknown one stays unknown in the journal; the fresh one is added.
    let journal = std::fs::read_to_string(dir.journal()).unwrap();
    let last_of = |key: &str| {
        journal
            .lines()
            .rfind(|l| l.contains(&format!("\"key\":\"{key}\"")))
            .unwrap()
            .to_string()
    };
    assert!(
        last_of("new").contains("\"state\":\"unknown\""),
        "{journal}"
    );
    assert!(
        last_of("fresh").contains("\"state\":\"added\""),
        "{journal}"
    );
}

/// An upsert's customer exists whether or not the update landed, so a
/// lookup proves nothing: the upsert is sent again (it looks the customer up
/// itself, and updates it by id).
#[tokio::test]
async fn reconcile_in_an_upsert_run_sends_the_upsert_again_so_an_update_that_never_landed_is_made()
{
    let dir = Dir::new("reconcile-upsert");
    let sandbox = strict_sandbox(Faults::default()).await;
    let client = client(&sandbox);
    client
        .add_customer(&AddCustomerRequest::with_phone("Asha Rao", "9831000000"))
        .await
        .unwrap();
    let mut moved = AddCustomerRequest::with_phone("Asha Rao", "9831000000");
    moved.customer_info.city = "Goa".into();
    let records = [("A-1", moved)];
    // The update is lost before the server reads it (the lookup before it
    // is answered: only add-update requests are dropped).
    sandbox
        .set_faults(Faults {
            drop_before: 1.0,
            ..Faults::default()
        })
        .unwrap();
    let first = run_with(&client, &dir.journal(), &records, false, Some("phone")).await;
    assert!(
        first[0].result.as_ref().is_err_and(Error::outcome_unknown),
        "{first:?}"
    );
    sandbox.set_faults(Faults::default()).unwrap();

    let second = run_with(&client, &dir.journal(), &records, true, Some("phone")).await;
    assert!(
        matches!(second[0].result, Ok(Success::Reply(_))),
        "{second:?}"
    );
    let held = sandbox.customers();
    assert_eq!(held.len(), 1, "{held:?}");
    assert_eq!(
        held[0].request["customer_info"]["city"], "Goa",
        "the update was never made"
    );
}

#[test]
fn reconcile_needs_a_journal() {
    let error = resume::check_keying(
        false,
        false,
        false,
        Some("reconcile=True"),
        ("key=", "read_rows()"),
    )
    .unwrap_err();
    assert!(
        error.to_string().contains("reconcile=True") && error.to_string().contains("journal"),
        "{error}"
    );
}

/// A record an earlier run left unknown, waiting to be looked up when the
/// run is aborted, is still unknown: its outcome says so, never "not sent"
/// alone (which would invite sending it again).
#[tokio::test]
async fn an_unknown_record_waiting_for_its_lookup_stays_unknown_when_the_run_is_aborted() {
    let dir = Dir::new("reconcile-abort");
    let sandbox = strict_sandbox(Faults {
        drop_after: 1.0,
        ..Faults::default()
    })
    .await;
    let client = client(&sandbox);
    let records = [("K-1", AddCustomerRequest::with_phone("Kiran", "9832000001"))];
    let first = run(&client, &dir.journal(), &records, false).await;
    assert!(first[0].result.as_ref().is_err_and(Error::outcome_unknown));
    sandbox.set_faults(Faults::default()).unwrap();

    // A long timeout: the lookup waits; the run is aborted first.
    let patient = Client::builder()
        .token(sandbox.token())
        .base_url(sandbox.url())
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let journal = RunJournal::open(&dir.journal(), patient.config()).unwrap();
    let options = BulkOptions {
        reconcile: true,
        ..BulkOptions::default()
    };
    let (run, engine) =
        kapture_crm::bulk::Run::start_journaled(&patient, options, journal, None).unwrap();
    tokio::spawn(engine);
    run.feed_keyed("K-1".into(), Ok(records[0].1.clone()))
        .await
        .unwrap();
    run.close_input();
    tokio::time::sleep(Duration::from_millis(100)).await;
    run.abort();
    let outcome = run.next().await.unwrap().unwrap();
    let error = outcome.result.unwrap_err();
    assert!(error.outcome_unknown(), "{error}");
    assert!(error.to_string().contains("earlier run"), "{error}");
    assert_eq!(sandbox.stats().lookup_requests, 0);
}
