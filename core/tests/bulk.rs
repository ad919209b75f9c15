//! The bulk engine: one outcome per input, in order, bounded in flight.

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures_util::{StreamExt, stream};
use kapture_crm::bulk::{self, BulkOptions};
use kapture_crm::{AddCustomerRequest, Backoff, Client, Error};
use kapture_crm_sandbox::{Faults, Sandbox, SandboxConfig};
use serde_json::json;
use support::{Scripted, Step, client_for};

fn numbered(i: usize) -> AddCustomerRequest {
    AddCustomerRequest::with_phone(format!("Customer {i}"), format!("97{i:08}"))
}

#[tokio::test]
async fn one_outcome_per_input_in_order_through_faults_and_bad_records() {
    let sandbox = Sandbox::start(SandboxConfig {
        faults: Faults {
            seed: 3,
            rate_limit: 0.15,
            unavailable: 0.1,
            retry_after: None,
            ..Faults::default()
        },
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let client = Client::builder()
        .token(sandbox.token())
        .base_url(sandbox.url())
        .max_retries(10)
        .backoff(Backoff {
            initial: Duration::from_millis(1),
            max: Duration::from_millis(10),
        })
        .build()
        .unwrap();
    // Every tenth record is bad (a typo), converted as the bindings do.
    let inputs = (0..300).map(|i| {
        if i % 10 == 7 {
            AddCustomerRequest::from_json(
                &json!({"customer_info": {"customer_name": "X", "mobile": "9000000000"}}),
            )
        } else {
            Ok(numbered(i))
        }
    });
    let outcomes: Vec<_> = bulk::add_customers(
        &client,
        stream::iter(inputs),
        &BulkOptions {
            concurrency: 16,
            ordered: true,
            ..BulkOptions::default()
        },
    )
    .collect()
    .await;
    assert_eq!(outcomes.len(), 300);
    for (position, outcome) in outcomes.iter().enumerate() {
        assert_eq!(outcome.index, position);
        if position % 10 == 7 {
            assert!(
                matches!(&outcome.result, Err(Error::Validation(e)) if e[0].path == "customer_info.mobile")
            );
        } else {
            assert!(outcome.result.is_ok(), "{position}: {:?}", outcome.result);
        }
    }
    let stored = sandbox.customers();
    assert_eq!(stored.len(), 270);
    assert!(stored.iter().all(|c| c.writes == 1));
    assert!(sandbox.stats().faults_injected.values().sum::<u64>() > 30);
}

#[tokio::test]
async fn in_flight_is_bounded_and_input_is_pulled_lazily() {
    let server = Scripted::start(vec![Step::success().after(Duration::from_millis(30))]).await;
    let client = client_for(&server).build().unwrap();
    let pulled = Arc::new(AtomicUsize::new(0));
    let counter = pulled.clone();
    // An endless input: only what is asked for may be pulled.
    let endless = stream::iter(0..).map(move |i| {
        counter.fetch_add(1, Ordering::SeqCst);
        Ok(numbered(i))
    });
    let options = BulkOptions {
        concurrency: 4,
        ordered: true,
        ..BulkOptions::default()
    };
    let mut outcomes = bulk::add_customers(&client, endless, &options);
    let mut seen = 0;
    while let Some(outcome) = outcomes.next().await {
        assert_eq!(outcome.index, seen);
        seen += 1;
        // Calls start up to 32 windows ahead of the oldest unanswered one
        // (plus the one waiting for a slot): bounded, whatever the input.
        let ahead = pulled.load(Ordering::SeqCst) - seen;
        assert!(
            ahead <= 32 * 4 + 1,
            "{ahead} inputs pulled ahead of the output"
        );
        if seen == 40 {
            break;
        }
    }
    drop(outcomes);
    assert_eq!(server.max_in_flight(), 4);
    assert!(server.count() <= 40 + 32 * 4 + 1);
}

/// An ordered run used to stop starting calls behind one slow record (its
/// retries held every later outcome and every new start); now the others go
/// on, up to 32 windows ahead, and the outcomes still come out in order.
#[tokio::test]
async fn ordered_run_is_not_stalled_by_one_slow_record() {
    let server = Scripted::start(vec![
        Step::success().after(Duration::from_millis(800)),
        Step::success(),
    ])
    .await;
    let client = client_for(&server).build().unwrap();
    let options = BulkOptions {
        concurrency: 4,
        ordered: true,
        ..BulkOptions::default()
    };
    let inputs = stream::iter((0..12).map(|i| Ok(numbered(i))));
    let run = tokio::spawn(async move {
        bulk::add_customers(&client, inputs, &options)
            .map(|o| o.index)
            .collect::<Vec<_>>()
            .await
    });
    tokio::time::sleep(Duration::from_millis(400)).await;
    // The slow first call is still out; the 11 others were sent meanwhile.
    assert_eq!(server.count(), 12);
    assert_eq!(run.await.unwrap(), (0..12).collect::<Vec<_>>());
}

#[tokio::test]
async fn unordered_yields_fast_results_before_a_slow_one() {
    let server = Scripted::start(vec![
        Step::success().after(Duration::from_millis(600)),
        Step::success(),
    ])
    .await;
    let client = client_for(&server).build().unwrap();
    let inputs = stream::iter((0..10).map(|i| Ok(numbered(i))));
    let options = BulkOptions {
        concurrency: 4,
        ordered: false,
        ..BulkOptions::default()
    };
    let order: Vec<usize> = bulk::add_customers(&client, inputs, &options)
        .map(|o| o.index)
        .collect()
        .await;
    assert_eq!(order.len(), 10);
    assert_ne!(
        order[0], 0,
        "the slow first call held back the rest: {order:?}"
    );
    let mut sorted = order.clone();
    sorted.sort();
    assert_eq!(sorted, (0..10).collect::<Vec<_>>());
}

#[tokio::test]
async fn a_rate_limit_paces_the_calls() {
    let server = Scripted::start(vec![Step::success()]).await;
    let client = client_for(&server).build().unwrap();
    let inputs = stream::iter((0..21).map(|i| Ok(numbered(i))));
    let options = BulkOptions {
        concurrency: 8,
        rate: Some(20.0),
        ..BulkOptions::default()
    };
    let started = std::time::Instant::now();
    let outcomes: Vec<_> = bulk::add_customers(&client, inputs, &options)
        .collect()
        .await;
    assert_eq!(outcomes.len(), 21);
    // 21 starts at 20 per second: the last a second after the first.
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(server.count(), 21);
}
