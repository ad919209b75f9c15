//! Retries: only what cannot have reached the vendor, counted on the wire.

mod support;

use std::time::{Duration, Instant};

use kapture_crm::Error;
use support::{Scripted, Step, client_for, vendor_request};

#[tokio::test]
async fn http_429_then_200_makes_two_requests() {
    let server = Scripted::start(vec![Step::json(429, "{}"), Step::success()]).await;
    let client = client_for(&server).build().unwrap();
    let reply = client.add_customer_json(&vendor_request()).await.unwrap();
    assert_eq!(reply.customer_id(), Some(191690263));
    assert_eq!(server.count(), 2);
    let bodies: Vec<_> = server.requests().iter().map(|r| r.json()).collect();
    assert_eq!(bodies[0], bodies[1]);
}

#[tokio::test]
async fn http_503_forever_makes_three_requests_with_two_retries() {
    let server = Scripted::start(vec![Step::raw(503, "text/plain", "busy")]).await;
    let client = client_for(&server).max_retries(2).build().unwrap();
    let err = client
        .add_customer_json(&vendor_request())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Server {
                status: 503,
                outcome_unknown: false,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(server.count(), 3);
}

#[tokio::test]
async fn default_is_two_retries() {
    let server = Scripted::start(vec![Step::json(429, "{}")]).await;
    let client = client_for(&server).build().unwrap();
    assert!(matches!(
        client.add_customer_json(&vendor_request()).await,
        Err(Error::RateLimited { .. })
    ));
    assert_eq!(server.count(), 3);
}

#[tokio::test]
async fn reset_after_the_request_is_not_retried() {
    let server = Scripted::start(vec![Step::Reset, Step::success()]).await;
    let client = client_for(&server).max_retries(5).build().unwrap();
    let err = client
        .add_customer_json(&vendor_request())
        .await
        .unwrap_err();
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
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn server_errors_that_may_follow_a_write_are_not_retried() {
    for status in [500, 502, 504] {
        let server = Scripted::start(vec![
            Step::raw(status, "text/plain", "oops"),
            Step::success(),
        ])
        .await;
        let client = client_for(&server).max_retries(5).build().unwrap();
        let err = client
            .add_customer_json(&vendor_request())
            .await
            .unwrap_err();
        assert!(err.outcome_unknown(), "{status}: {err:?}");
        assert_eq!(server.count(), 1, "{status}");
    }
}

#[tokio::test]
async fn validation_and_api_errors_are_not_retried() {
    let server = Scripted::start(vec![Step::json(
        200,
        r#"{"status":"failed","message":"no"}"#,
    )])
    .await;
    let client = client_for(&server).max_retries(5).build().unwrap();
    assert!(matches!(
        client.add_customer_json(&vendor_request()).await,
        Err(Error::Api { .. })
    ));
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn opt_in_retries_unknown_outcomes_for_idempotent_callers() {
    let server = Scripted::start(vec![
        Step::raw(500, "text/plain", "oops"),
        Step::Reset,
        Step::success(),
    ])
    .await;
    let client = client_for(&server)
        .retry_unknown_outcome(true)
        .max_retries(2)
        .build()
        .unwrap();
    client.add_customer_json(&vendor_request()).await.unwrap();
    assert_eq!(server.count(), 3);
}

#[tokio::test]
async fn opt_in_retries_timeouts() {
    let server = Scripted::start(vec![
        Step::success().after(Duration::from_secs(3)),
        Step::success(),
    ])
    .await;
    let client = client_for(&server)
        .retry_unknown_outcome(true)
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    client.add_customer_json(&vendor_request()).await.unwrap();
    assert_eq!(server.count(), 2);
}

#[tokio::test]
async fn retry_after_seconds_is_honoured() {
    let server = Scripted::start(vec![
        Step::json(429, "{}").header("Retry-After", "1"),
        Step::success(),
    ])
    .await;
    let client = client_for(&server).build().unwrap();
    let started = Instant::now();
    client.add_customer_json(&vendor_request()).await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(server.count(), 2);
}

#[tokio::test]
async fn retry_after_http_date_is_honoured_on_503() {
    let when = std::time::SystemTime::now() + Duration::from_secs(2);
    let server = Scripted::start(vec![
        Step::raw(503, "text/plain", "maintenance")
            .header("Retry-After", &httpdate::fmt_http_date(when)),
        Step::success(),
    ])
    .await;
    let client = client_for(&server).build().unwrap();
    let started = Instant::now();
    client.add_customer_json(&vendor_request()).await.unwrap();
    // The date has one-second resolution: at least one second is left of it.
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(server.count(), 2);
}

#[tokio::test]
async fn retry_after_beyond_sixty_seconds_is_returned_not_waited() {
    let server = Scripted::start(vec![
        Step::json(429, "{}").header("Retry-After", "120"),
        Step::success(),
    ])
    .await;
    let client = client_for(&server).build().unwrap();
    let started = Instant::now();
    let err = client
        .add_customer_json(&vendor_request())
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(
        matches!(err, Error::RateLimited { retry_after: Some(d), .. } if d == Duration::from_secs(120)),
        "{err:?}"
    );
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn backoff_without_retry_after_waits_between_attempts() {
    let server = Scripted::start(vec![Step::json(429, "{}")]).await;
    let client = client_for(&server)
        .backoff(kapture_crm::Backoff {
            initial: Duration::from_millis(200),
            max: Duration::from_millis(400),
        })
        .build()
        .unwrap();
    let started = Instant::now();
    let _ = client.add_customer_json(&vendor_request()).await;
    // Two retries: at least half of 200 ms, then half of 400 ms.
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(server.count(), 3);
}

#[tokio::test]
async fn refused_connection_is_retried_until_the_server_comes_up() {
    // Reserve a port, free it, and bring a server up on it only after the
    // client's first attempt was refused.
    let port = support::free_port();
    let client = kapture_crm::Client::builder()
        .token("test-token-5f2c")
        .base_url(format!("http://127.0.0.1:{port}"))
        .max_retries(3)
        .backoff(kapture_crm::Backoff {
            initial: Duration::from_millis(600),
            max: Duration::from_millis(600),
        })
        .build()
        .unwrap();
    let call = tokio::spawn(async move { client.add_customer_json(&vendor_request()).await });
    tokio::time::sleep(Duration::from_millis(150)).await;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    let server = Scripted::serve(listener, vec![Step::success()]);
    let reply = call.await.unwrap().unwrap();
    assert_eq!(reply.customer_id(), Some(191690263));
    assert_eq!(server.count(), 1);
}

/// Issue 9, case 2: `Retry-After: 1e20` (or 20 digits) on any reply panicked
/// the client (`cannot convert float seconds to Duration`).
#[tokio::test]
async fn case_2_huge_retry_after_does_not_panic() {
    for huge in ["1e20", "99999999999999999999", "1e308", "inf"] {
        let server = Scripted::start(vec![Step::success().header("Retry-After", huge)]).await;
        let client = client_for(&server).build().unwrap();
        let reply = client.add_customer_json(&vendor_request()).await.unwrap();
        assert_eq!(reply.customer_id(), Some(191690263), "{huge}");

        let server = Scripted::start(vec![Step::json(429, "{}").header("Retry-After", huge)]).await;
        let client = client_for(&server).max_retries(3).build().unwrap();
        let err = client
            .add_customer_json(&vendor_request())
            .await
            .unwrap_err();
        let Error::RateLimited { retry_after, .. } = err else {
            panic!("{huge}: {err:?}")
        };
        // Longer than we wait: returned at once, capped at a day.
        assert_eq!(retry_after, Some(Duration::from_secs(24 * 3600)), "{huge}");
        assert_eq!(server.count(), 1, "{huge}");
    }
}

/// Issue 9, case 12: `Retry-After: 0` on a 503 made five requests in 10 ms;
/// each retry still waits at least the backoff's step.
#[tokio::test]
async fn case_12_retry_after_zero_still_backs_off() {
    let server = Scripted::start(vec![
        Step::raw(503, "text/plain", "busy").header("Retry-After", "0"),
    ])
    .await;
    let client = client_for(&server)
        .max_retries(4)
        .backoff(kapture_crm::Backoff {
            initial: Duration::from_millis(100),
            max: Duration::from_millis(100),
        })
        .build()
        .unwrap();
    let started = Instant::now();
    let err = client
        .add_customer_json(&vendor_request())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Server { status: 503, .. }), "{err:?}");
    assert_eq!(server.count(), 5);
    // Four waits of at least half the 100 ms step (the jitter's floor).
    assert!(
        started.elapsed() >= Duration::from_millis(200),
        "{:?}",
        started.elapsed()
    );
}
