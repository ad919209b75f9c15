//! The client against the project's sandbox: a real Kapture-compatible
//! server with injected faults.

mod support;

use std::time::Duration;

use kapture_crm::{AddCustomerRequest, Backoff, Client, Error};
use kapture_crm_sandbox::{Faults, Sandbox, SandboxConfig};
use support::vendor_request;

async fn sandbox(faults: Faults) -> Sandbox {
    Sandbox::start(SandboxConfig {
        faults,
        ..SandboxConfig::default()
    })
    .await
    .unwrap()
}

fn client(sandbox: &Sandbox) -> kapture_crm::ClientBuilder {
    Client::builder()
        .token(sandbox.token())
        .base_url(sandbox.url())
        .backoff(Backoff {
            initial: Duration::from_millis(2),
            max: Duration::from_millis(20),
        })
}

fn numbered(i: usize) -> AddCustomerRequest {
    AddCustomerRequest::with_phone(format!("Customer {i}"), format!("98{i:08}"))
}

#[tokio::test]
async fn vendor_example_against_the_sandbox() {
    let sandbox = sandbox(Faults::default()).await;
    let reply = client(&sandbox)
        .build()
        .unwrap()
        .add_customer_json(&vendor_request())
        .await
        .unwrap();
    assert_eq!(reply.customer_id(), Some(100000001));
    assert_eq!(reply.contact_id(), Some(200000001));
    assert_eq!(
        reply.message(),
        Some("Customer Added successfully !Contact Added successfully !")
    );
    assert_eq!(sandbox.customers()[0].request, vendor_request());
}

#[tokio::test]
async fn wrong_token_is_authentication() {
    let sandbox = sandbox(Faults::default()).await;
    let err = client(&sandbox)
        .token("not-the-token")
        .build()
        .unwrap()
        .add_customer_json(&vendor_request())
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Authentication { status: 401, message, .. } if message == "Invalid Auth Key"),
        "{err:?}"
    );
}

#[tokio::test]
async fn retries_through_20_percent_429_and_503_without_duplicates() {
    let sandbox = sandbox(Faults {
        seed: 42,
        rate_limit: 0.1,
        unavailable: 0.1,
        retry_after: None,
        ..Faults::default()
    })
    .await;
    let client = client(&sandbox).max_retries(8).build().unwrap();
    for i in 0..200 {
        let reply = client.add_customer(&numbered(i)).await.unwrap();
        assert!(reply.customer_id().is_some());
    }
    let stored = sandbox.customers();
    assert_eq!(stored.len(), 200);
    assert!(stored.iter().all(|c| c.writes == 1));
    let stats = sandbox.stats();
    let injected: u64 = stats.faults_injected.values().sum();
    assert!(injected >= 20, "only {injected} faults injected");
    assert_eq!(stats.add_update_requests, 200 + injected);
}

#[tokio::test]
async fn drops_after_processing_are_reported_unknown_and_never_resent() {
    let sandbox = sandbox(Faults {
        seed: 9,
        drop_after: 0.2,
        ..Faults::default()
    })
    .await;
    let client = client(&sandbox).max_retries(8).build().unwrap();
    let mut unknown = 0;
    for i in 0..100 {
        match client.add_customer(&numbered(i)).await {
            Ok(_) => {}
            Err(err) => {
                assert!(
                    matches!(
                        err,
                        Error::Connection {
                            outcome_unknown: true,
                            ..
                        }
                    ),
                    "{err:?}"
                );
                unknown += 1;
            }
        }
    }
    assert!(unknown > 0);
    assert_eq!(unknown, sandbox.stats().faults_injected["drop_after"]);
    let stored = sandbox.customers();
    // Every request was processed once; none was written twice.
    assert_eq!(stored.len(), 100);
    assert!(stored.iter().all(|c| c.writes == 1));
    assert_eq!(sandbox.stats().add_update_requests, 100);
}

type SetFault = fn(&mut Faults);
type ExpectError = fn(&Error) -> bool;

#[tokio::test]
async fn each_fault_maps_to_its_error() {
    let sandbox = sandbox(Faults::default()).await;
    let client = client(&sandbox).max_retries(0).build().unwrap();
    let cases: [(SetFault, ExpectError); 6] = [
        (
            |f| f.rate_limit = 1.0,
            |e| matches!(e, Error::RateLimited { retry_after: Some(d), .. } if *d == Duration::from_secs(1)),
        ),
        (
            |f| f.unavailable = 1.0,
            |e| {
                matches!(
                    e,
                    Error::Server {
                        status: 503,
                        outcome_unknown: false,
                        ..
                    }
                )
            },
        ),
        (
            |f| f.server_error = 1.0,
            |e| {
                matches!(
                    e,
                    Error::Server {
                        status: 500,
                        outcome_unknown: true,
                        ..
                    }
                )
            },
        ),
        (
            |f| f.drop_before = 1.0,
            |e| {
                matches!(
                    e,
                    Error::Connection {
                        outcome_unknown: true,
                        ..
                    }
                )
            },
        ),
        (
            |f| f.malformed = 1.0,
            |e| matches!(e, Error::UnexpectedResponse { status: 200, .. }) && e.outcome_unknown(),
        ),
        (
            |f| f.html = 1.0,
            |e| matches!(e, Error::Server { status: 502, message, .. } if message.contains("502 Bad Gateway")),
        ),
    ];
    for (i, (set, expected)) in cases.into_iter().enumerate() {
        let mut faults = Faults::default();
        set(&mut faults);
        sandbox.set_faults(faults).unwrap();
        let err = client.add_customer(&numbered(i)).await.unwrap_err();
        assert!(expected(&err), "case {i}: {err:?}");
    }
}
