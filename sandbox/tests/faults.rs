//! Each fault kind, seen through a plain HTTP client.

mod common;

use std::time::{Duration, Instant};

use common::{VENDOR_REQUEST, add, customer, http, post_with, sandbox};
use kapture_crm_sandbox::Faults;

fn always(set: impl FnOnce(&mut Faults)) -> Faults {
    let mut faults = Faults::default();
    set(&mut faults);
    faults
}

#[tokio::test]
async fn rate_limit_is_429_with_retry_after_and_stores_nothing() {
    let sandbox = sandbox(always(|f| f.rate_limit = 1.0)).await;
    let reply = add(&sandbox, VENDOR_REQUEST).await.unwrap();
    assert_eq!(reply.status, 429);
    assert_eq!(reply.retry_after.as_deref(), Some("1"));
    assert_eq!(reply.json()["status"], "failed");
    assert!(sandbox.customers().is_empty());
}

#[tokio::test]
async fn unavailable_is_503_and_server_error_500_storing_nothing() {
    let sandbox = sandbox(always(|f| {
        f.unavailable = 1.0;
        f.retry_after = None;
    }))
    .await;
    let reply = add(&sandbox, VENDOR_REQUEST).await.unwrap();
    assert_eq!((reply.status, reply.retry_after), (503, None));
    sandbox
        .set_faults(always(|f| f.server_error = 1.0))
        .unwrap();
    assert_eq!(add(&sandbox, VENDOR_REQUEST).await.unwrap().status, 500);
    assert!(sandbox.customers().is_empty());
}

#[tokio::test]
async fn drop_before_processing_stores_nothing() {
    let sandbox = sandbox(always(|f| f.drop_before = 1.0)).await;
    assert!(add(&sandbox, VENDOR_REQUEST).await.is_err());
    assert!(sandbox.customers().is_empty());
    assert_eq!(sandbox.stats().faults_injected["drop_before"], 1);
}

#[tokio::test]
async fn drop_after_processing_stores_but_loses_the_reply() {
    let sandbox = sandbox(always(|f| f.drop_after = 1.0)).await;
    assert!(add(&sandbox, VENDOR_REQUEST).await.is_err());
    let stored = sandbox.customers();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].writes, 1);
}

#[tokio::test]
async fn malformed_reply_is_truncated_json_after_storing() {
    let sandbox = sandbox(always(|f| f.malformed = 1.0)).await;
    let reply = add(&sandbox, VENDOR_REQUEST).await.unwrap();
    assert_eq!(reply.status, 200);
    assert!(reply.text.starts_with(r#"{"status":"success""#));
    assert!(serde_json::from_str::<serde_json::Value>(&reply.text).is_err());
    assert_eq!(sandbox.customers().len(), 1);
}

#[tokio::test]
async fn html_reply_is_a_502_page() {
    let sandbox = sandbox(always(|f| f.html = 1.0)).await;
    let reply = add(&sandbox, VENDOR_REQUEST).await.unwrap();
    assert_eq!(reply.status, 502);
    assert_eq!(reply.content_type.as_deref(), Some("text/html"));
    assert!(reply.text.starts_with("<!DOCTYPE html>"));
    assert!(sandbox.customers().is_empty());
}

#[tokio::test]
async fn latency_is_added() {
    let sandbox = sandbox(always(|f| f.latency_ms = 200)).await;
    let started = Instant::now();
    add(&sandbox, VENDOR_REQUEST).await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(200));
}

/// The statuses of `n` sequential requests under `faults`.
async fn sequence(faults: Faults, n: usize) -> Vec<u16> {
    let sandbox = sandbox(faults).await;
    let (client, auth) = (http(), format!("Basic {}", sandbox.token()));
    let mut statuses = Vec::new();
    for i in 0..n {
        let body = customer("A", &format!("9{i:09}"));
        let reply = post_with(&client, &sandbox, Some(&auth), &body).await;
        statuses.push(reply.map_or(0, |r| r.status));
    }
    statuses
}

#[tokio::test]
async fn faults_are_deterministic_from_the_seed_and_follow_the_shares() {
    let faults = |seed| Faults {
        seed,
        rate_limit: 0.2,
        unavailable: 0.2,
        ..Faults::default()
    };
    let first = sequence(faults(7), 300).await;
    assert_eq!(first, sequence(faults(7), 300).await);
    assert_ne!(first, sequence(faults(8), 300).await);
    let faulty = first.iter().filter(|s| **s != 200).count();
    // 40% of 300 = 120; a fixed seed makes this exact, the bounds say why.
    assert!((90..=150).contains(&faulty), "{faulty}");
    assert!(first.contains(&429) && first.contains(&503));
}
