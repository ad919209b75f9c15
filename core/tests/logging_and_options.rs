//! Step 10: the log events a client emits (what they say, that they never
//! hold the token, a phone or an email), per-call options and cancellation.

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use kapture_crm::log::{FieldValue, Forward, Names, Record, Sink, Threshold};
use kapture_crm::{AddCustomerRequest, CancelToken, CustomerLookup, Error, RequestOptions};
use support::{Scripted, Step, client_for};
use tracing::Level;

const TOKEN: &str = "test-token-5f2c";
const PHONE: &str = "9845012387";
const EMAIL: &str = "asha.rao@example.com";

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<Record>>>, Arc<Threshold>);

impl Sink for Captured {
    fn enabled(&self, level: Level) -> bool {
        self.1.allows(level)
    }
    fn write(&self, record: Record) {
        self.0.lock().unwrap().push(record);
    }
}

impl Captured {
    fn at(level: Level) -> Self {
        Self(Arc::default(), Arc::new(Threshold::new(Some(level))))
    }
    /// A client with this sink at no level: every client in this file gets
    /// a dispatch of its own (see `kapture_crm::log::Forward`).
    fn off() -> Self {
        Self(Arc::default(), Arc::new(Threshold::new(None)))
    }
    fn records(&self) -> Vec<Record> {
        self.0.lock().unwrap().clone()
    }
    fn text(&self) -> String {
        self.records()
            .iter()
            .map(|r| {
                let fields = serde_json::Value::Object(r.fields_json(Names::Snake));
                format!("{} {} {} {fields}\n", r.level, r.target, r.line())
            })
            .collect()
    }
    /// Nothing secret or personal in any record, at any level.
    fn assert_clean(&self) {
        let text = self.text();
        for secret in [TOKEN, PHONE, EMAIL, "asha.rao"] {
            assert!(!text.contains(secret), "{secret} logged:\n{text}");
        }
    }
}

fn quiet(server: &Scripted) -> kapture_crm::ClientBuilder {
    client_for(server).log_to(Forward::dispatch(Captured::off()))
}

fn request() -> AddCustomerRequest {
    let mut request = AddCustomerRequest::with_phone("Asha Rao", PHONE);
    request.customer_info.email_id = EMAIL.into();
    request
}

#[tokio::test]
async fn a_retried_429_logs_each_attempt_and_the_retry_and_no_secret() {
    let server = Scripted::start(vec![
        // The server's words repeat the phone and email: masked too.
        Step::json(
            429,
            &format!(r#"{{"status":"failed","message":"slow down for {PHONE} / {EMAIL}"}}"#),
        )
        .header("Retry-After", "0"),
        Step::success(),
    ])
    .await;
    let log = Captured::at(Level::DEBUG);
    let client = client_for(&server)
        .log_to(Forward::dispatch(log.clone()))
        .build()
        .unwrap();
    client.add_customer(&request()).await.unwrap();

    let records = log.records();
    let text = log.text();
    let attempts: Vec<_> = records
        .iter()
        .filter(|r| r.level == Level::DEBUG && r.message.starts_with("attempt "))
        .collect();
    assert_eq!(attempts.len(), 2, "{text}");
    assert!(
        attempts[0]
            .message
            .contains("attempt 1: POST /ms/customer/customer/api/v1/add-update -> 429"),
        "{text}"
    );
    // The fields as values of their own, in the event's order; the
    // message alone does not repeat them as text, and the one line of
    // text shows each thing once.
    let names: Vec<&str> = attempts[0].fields.iter().map(|(name, _)| *name).collect();
    assert_eq!(
        names,
        [
            "method",
            "path",
            "attempt",
            "status",
            "latency_ms",
            "error",
            "outcome_unknown"
        ],
        "{text}"
    );
    assert_eq!(attempts[0].fields[2].1, FieldValue::Uint(1));
    assert_eq!(attempts[0].fields[3].1, FieldValue::Uint(429));
    assert!(!attempts[0].message.contains("latency_ms="), "{text}");
    let line = attempts[0].line();
    assert_eq!(line.matches("POST").count(), 1, "{line}");
    assert_eq!(line.matches("/add-update").count(), 1, "{line}");
    assert!(line.contains(" outcome_unknown=false"), "{line}");
    let camel = attempts[0].fields_json(Names::Camel);
    assert_eq!(
        camel["latencyMs"],
        attempts[0].fields_json(Names::Snake)["latency_ms"]
    );
    assert_eq!(camel["outcomeUnknown"], serde_json::json!(false));
    assert!(
        attempts[1].message.contains("attempt 2: POST") && attempts[1].message.contains("-> 200"),
        "{text}"
    );
    let retry = records
        .iter()
        .find(|r| r.level == Level::INFO)
        .expect("an info record for the retry");
    assert_eq!(retry.target, "kapture_crm::http");
    assert!(retry.message.starts_with("retrying after "), "{text}");
    assert!(
        retry
            .fields
            .contains(&("error", FieldValue::Text("rate_limited".into()))),
        "{text}"
    );
    assert!(
        text.contains("98******87") && text.contains("a***@example.com"),
        "{text}"
    );
    log.assert_clean();
}

#[tokio::test]
async fn an_unknown_outcome_is_a_warning_and_info_hides_the_attempts() {
    let server = Scripted::start(vec![Step::Reset]).await;
    let log = Captured::at(Level::INFO);
    let client = client_for(&server)
        .log_to(Forward::dispatch(log.clone()))
        .build()
        .unwrap();
    let err = client.add_customer(&request()).await.unwrap_err();
    assert!(err.outcome_unknown(), "{err:?}");
    let records = log.records();
    assert_eq!(records.len(), 1, "{}", log.text());
    assert_eq!(records[0].level, Level::WARN);
    assert!(
        records[0].message.starts_with("outcome unknown"),
        "{}",
        log.text()
    );
    assert!(
        records[0]
            .fields
            .contains(&("outcome_unknown", FieldValue::Bool(true))),
        "{}",
        log.text()
    );
    // No Rust method name in a record every language shows.
    assert!(
        !records[0].message.contains("find_customer"),
        "{}",
        log.text()
    );
    log.assert_clean();
}

#[tokio::test]
async fn lookups_log_their_decision_masked() {
    let server = Scripted::start(vec![Step::json(
        200,
        r#"{"Customer Details": {"id": 77, "name": "Asha"}, "status": "success"}"#,
    )])
    .await;
    let log = Captured::at(Level::DEBUG);
    let client = client_for(&server)
        .log_to(Forward::dispatch(log.clone()))
        .build()
        .unwrap();
    let found = client
        .find_customer(&CustomerLookup::by_phone(PHONE))
        .await
        .unwrap();
    assert_eq!(found.and_then(|c| c.id), Some(77));
    let text = log.text();
    assert!(
        text.contains("DEBUG kapture_crm::lookup lookup by phone 98******87: found customer 77"),
        "{text}"
    );
    log.assert_clean();
}

#[tokio::test]
async fn a_per_call_timeout_and_retry_budget_override_the_clients() {
    let server = Scripted::start(vec![Step::success().after(Duration::from_millis(400))]).await;
    let client = quiet(&server).max_retries(0).build().unwrap();
    let short = RequestOptions {
        timeout: Some(Duration::from_millis(100)),
        ..Default::default()
    };
    let err = client
        .add_customer_with(&request(), &short)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Timeout {
                outcome_unknown: true,
                ..
            }
        ),
        "{err:?}"
    );
    // The client's own 30 s timeout is untouched.
    client.add_customer(&request()).await.unwrap();

    let busy = Scripted::start(vec![Step::json(429, "{}")]).await;
    let client = quiet(&busy).max_retries(0).build().unwrap();
    let more = RequestOptions {
        max_retries: Some(3),
        ..Default::default()
    };
    assert!(client.add_customer_with(&request(), &more).await.is_err());
    assert_eq!(busy.count(), 4, "one attempt and three retries");
    // with_options: the same overrides for every call of the new client.
    let again = client.with_options(&RequestOptions {
        max_retries: Some(1),
        ..Default::default()
    });
    assert!(again.add_customer(&request()).await.is_err());
    assert_eq!(busy.count(), 6);
    assert_eq!(client.config().max_retries, 0);
    assert_eq!(again.config().max_retries, 1);
}

#[tokio::test]
async fn a_cancelled_token_sends_nothing() {
    let server = Scripted::start(vec![Step::success()]).await;
    let client = quiet(&server).build().unwrap();
    let cancel = CancelToken::new();
    cancel.cancel();
    let options = RequestOptions {
        cancel: Some(cancel),
        ..Default::default()
    };
    let err = client
        .add_customer_with(&request(), &options)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Aborted {
                outcome_unknown: false,
                ..
            }
        ),
        "{err:?}"
    );
    let err = client
        .find_customer_with(&CustomerLookup::by_phone(PHONE), &options)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "aborted");
    assert_eq!(server.count(), 0);
}

#[tokio::test]
async fn cancelling_mid_request_leaves_the_outcome_unknown_and_in_backoff_known() {
    let server = Scripted::start(vec![Step::success().after(Duration::from_secs(5))]).await;
    let client = quiet(&server).build().unwrap();
    let cancel = CancelToken::new();
    let options = RequestOptions {
        cancel: Some(cancel.clone()),
        ..Default::default()
    };
    let later = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(150)).await;
        later.cancel();
    });
    let err = client
        .add_customer_with(&request(), &options)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Aborted {
                outcome_unknown: true,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(server.count(), 1);

    // Cancelled while waiting out a 429's Retry-After: nothing was taken.
    let busy = Scripted::start(vec![Step::json(429, "{}").header("Retry-After", "5")]).await;
    let client = quiet(&busy).build().unwrap();
    let cancel = CancelToken::new();
    let options = RequestOptions {
        cancel: Some(cancel.clone()),
        ..Default::default()
    };
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        cancel.cancel();
    });
    let err = client
        .add_customer_with(&request(), &options)
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Aborted {
                outcome_unknown: false,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(busy.count(), 1);
}

#[tokio::test]
async fn a_bulk_run_logs_when_the_server_pushes_the_pace_down() {
    use futures_util::StreamExt;
    let server = Scripted::start(vec![
        Step::json(429, "{}").header("Retry-After", "0"),
        Step::success(),
    ])
    .await;
    let log = Captured::at(Level::INFO);
    let client = client_for(&server)
        .log_to(Forward::dispatch(log.clone()))
        .build()
        .unwrap();
    let options = kapture_crm::bulk::BulkOptions::new(Some(1.0), true, Some(40.0)).unwrap();
    let requests = futures_util::stream::iter((0..3).map(|_| Ok(request())));
    let outcomes: Vec<_> = kapture_crm::bulk::add_customers(&client, requests, &options)
        .collect()
        .await;
    assert!(outcomes.iter().all(|o| o.result.is_ok()));
    let text = log.text();
    assert!(
        text.contains("WARN kapture_crm::bulk the server pushes back (rate_limited): pace lowered from 40.0/s to 20.0/s"),
        "{text}"
    );
    log.assert_clean();
}

#[tokio::test]
async fn update_customer_with_takes_the_same_per_call_options() {
    let busy = Scripted::start(vec![Step::json(429, "{}")]).await;
    let client = quiet(&busy).max_retries(0).build().unwrap();
    let options = RequestOptions {
        max_retries: Some(2),
        ..Default::default()
    };
    let err = client
        .update_customer_with("191690263", &request(), &options)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "rate_limited");
    assert_eq!(busy.count(), 3);
    assert_eq!(
        busy.requests()[0].json()["customer_info"]["customer_id"],
        "191690263"
    );
}
