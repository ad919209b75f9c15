//! Step 17 item 1: resumable library runs (`kapture_crm::resume`), against
//! the sandbox: what a second run with the same journal sends, and what it
//! refuses.

use std::path::Path;

use futures_util::StreamExt;
use kapture_crm::bulk::{BulkOptions, Outcome};
use kapture_crm::resume::{self, RunJournal};
use kapture_crm::{AddCustomerRequest, Client, Error};
use kapture_crm_sandbox::{Faults, Sandbox, SandboxConfig};

mod support;

use support::scratch::Dir;

fn client(sandbox: &Sandbox) -> Client {
    Client::builder()
        .token(sandbox.token())
        .base_url(sandbox.url())
        .max_retries(0)
        .build()
        .unwrap()
}

fn record(i: usize) -> AddCustomerRequest {
    AddCustomerRequest::with_phone(format!("Customer {i}"), format!("98{i:08}"))
}

fn keyed(records: Vec<AddCustomerRequest>) -> Vec<(String, kapture_crm::bulk::Input)> {
    records
        .into_iter()
        .enumerate()
        .map(|(i, r)| (format!("C-{i}"), Ok(r)))
        .collect()
}

async fn run(client: &Client, journal: &Path, records: Vec<AddCustomerRequest>) -> Vec<Outcome> {
    let journal = RunJournal::open(journal, client.config()).unwrap();
    let outcomes = resume::add_customers(
        client,
        futures_util::stream::iter(keyed(records)),
        BulkOptions::default(),
        journal,
    )
    .unwrap();
    outcomes.map(Result::unwrap).collect().await
}

#[tokio::test]
async fn a_second_run_with_the_same_journal_sends_nothing_twice() {
    let dir = Dir::new("resume-twice");
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let client = client(&sandbox);
    let records: Vec<_> = (0..30).map(record).collect();
    let first = run(&client, &dir.journal(), records.clone()).await;
    assert!(first.iter().all(|o| o.result.is_ok() && !o.from_journal));
    assert_eq!(sandbox.stats().add_update_requests, 30);

    let second = run(&client, &dir.journal(), records).await;
    assert_eq!(
        sandbox.stats().add_update_requests,
        30,
        "a record was sent twice"
    );
    assert_eq!(second.len(), 30);
    for (a, b) in first.iter().zip(&second) {
        assert!(b.from_journal);
        let (a, b) = (a.result.as_ref().unwrap(), b.result.as_ref().unwrap());
        assert_eq!(a.customer_id(), b.customer_id());
        assert_eq!(
            a.reply().map(|r| r.as_json()),
            b.reply().map(|r| r.as_json()),
            "not the reply journaled then"
        );
    }
    assert_eq!(sandbox.customers().len(), 30);
}

#[tokio::test]
async fn a_record_changed_under_a_known_key_is_refused_and_new_keys_are_sent() {
    let dir = Dir::new("resume-changed");
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let client = client(&sandbox);
    run(&client, &dir.journal(), (0..3).map(record).collect()).await;
    let mut again: Vec<_> = (0..4).map(record).collect();
    again[1].customer_info.city = "Pune".into();
    let outcomes = run(&client, &dir.journal(), again).await;
    match &outcomes[1].result {
        Err(Error::Validation(problems)) => {
            assert_eq!(problems[0].path, "key");
            assert!(problems[0].message.contains("C-1"), "{}", problems[0]);
            assert!(problems[0].message.contains("changed"), "{}", problems[0]);
        }
        other => panic!("{other:?}"),
    }
    assert!(outcomes[0].from_journal && outcomes[2].from_journal);
    assert!(outcomes[3].result.is_ok() && !outcomes[3].from_journal);
    // Three from the first run, the new one: the changed one not sent.
    assert_eq!(sandbox.stats().add_update_requests, 4);
}

#[tokio::test]
async fn an_unknown_outcome_is_not_sent_again_and_a_failed_one_is() {
    let dir = Dir::new("resume-unknown");
    let faults = Faults {
        seed: 3,
        drop_after: 0.2,
        unavailable: 0.2,
        ..Faults::default()
    };
    let sandbox = Sandbox::start(SandboxConfig {
        faults,
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let client = client(&sandbox);
    let records: Vec<_> = (0..60).map(record).collect();
    let first = run(&client, &dir.journal(), records.clone()).await;
    let unknown: Vec<usize> = first
        .iter()
        .filter(|o| o.result.as_ref().is_err_and(Error::outcome_unknown))
        .map(|o| o.index)
        .collect();
    let failed: Vec<usize> = first
        .iter()
        .filter(|o| o.result.as_ref().is_err_and(|e| !e.outcome_unknown()))
        .map(|o| o.index)
        .collect();
    assert!(!unknown.is_empty() && !failed.is_empty(), "{first:?}");
    let sent_first = sandbox.stats().add_update_requests;

    sandbox.set_faults(Faults::default()).unwrap();
    let second = run(&client, &dir.journal(), records).await;
    for &i in &unknown {
        let error = second[i].result.as_ref().unwrap_err();
        assert!(error.outcome_unknown(), "{error}");
        assert!(error.to_string().contains("earlier run"), "{error}");
    }
    for &i in &failed {
        assert!(second[i].result.is_ok() && !second[i].from_journal);
    }
    assert_eq!(
        sandbox.stats().add_update_requests - sent_first,
        failed.len() as u64,
        "only the failed records are sent again"
    );
}

#[tokio::test]
async fn a_run_killed_mid_flight_leaves_its_record_unknown_and_a_torn_line_is_cut() {
    let dir = Dir::new("resume-torn");
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let client = client(&sandbox);
    run(&client, &dir.journal(), vec![record(0)]).await;
    // What a killed process leaves: record C-1's "sending" line on disk, and
    // half a line after it. (C-1's hash is its content's: taken from a run
    // of its own.)
    let other = {
        let side = Dir::new("resume-side");
        run(&client, &side.journal(), vec![record(9), record(1)]).await;
        let text = std::fs::read_to_string(side.journal()).unwrap();
        text.lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .find(|l| l["key"] == "C-1")
            .unwrap()["hash"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let mut text = std::fs::read_to_string(dir.journal()).unwrap();
    text.push_str(&format!(
        "{{\"key\":\"C-1\",\"hash\":\"{other}\",\"state\":\"sending\"}}\n{{\"key\":\"C-2\",\"ha"
    ));
    std::fs::write(dir.journal(), text).unwrap();
    let before = sandbox.stats().add_update_requests;

    let outcomes = run(&client, &dir.journal(), (0..3).map(record).collect()).await;
    assert!(outcomes[0].from_journal);
    assert!(outcomes[1].result.as_ref().unwrap_err().outcome_unknown());
    assert!(outcomes[2].result.is_ok() && !outcomes[2].from_journal);
    assert_eq!(sandbox.stats().add_update_requests - before, 1);
    let text = std::fs::read_to_string(dir.journal()).unwrap();
    assert!(
        text.lines()
            .all(|l| serde_json::from_str::<serde_json::Value>(l).is_ok()),
        "the torn line was not cut: {text}"
    );
}

#[tokio::test]
async fn one_journal_per_crm_and_per_run() {
    let dir = Dir::new("resume-owner");
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let other = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let client = client(&sandbox);
    run(&client, &dir.journal(), vec![record(0)]).await;

    let held = RunJournal::open(&dir.journal(), client.config()).unwrap();
    let busy = RunJournal::open(&dir.journal(), client.config()).unwrap_err();
    assert!(busy.to_string().contains("another run"), "{busy}");
    drop(held);

    let elsewhere = self::client(&other);
    let refused = RunJournal::open(&dir.journal(), elsewhere.config()).unwrap_err();
    assert!(matches!(refused, Error::Config(_)));
    assert!(
        refused.to_string().contains("One journal per CRM"),
        "{refused}"
    );
    assert_eq!(other.stats().add_update_requests, 0);
}

#[tokio::test]
async fn a_key_given_twice_in_one_run_is_refused_the_second_time() {
    let dir = Dir::new("resume-dup");
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let client = client(&sandbox);
    let journal = RunJournal::open(&dir.journal(), client.config()).unwrap();
    let records = vec![
        ("A".to_string(), Ok(record(0))),
        ("A".to_string(), Ok(record(1))),
    ];
    let outcomes: Vec<_> = resume::add_customers(
        &client,
        futures_util::stream::iter(records),
        BulkOptions::default(),
        journal,
    )
    .unwrap()
    .map(Result::unwrap)
    .collect()
    .await;
    assert!(outcomes[0].result.is_ok());
    let error = outcomes[1].result.as_ref().unwrap_err();
    assert_eq!(error.code(), "validation");
    assert!(
        error.to_string().contains("earlier record of this run"),
        "{error}"
    );
    assert_eq!(sandbox.stats().add_update_requests, 1);
}
