//! Every error variant from a scripted reply, and the token in none of them.

mod support;

use std::time::Duration;

use kapture_crm::Error;
use support::{Scripted, Step, client_for, vendor_request};

const TOKEN: &str = "test-token-5f2c";

async fn error_for(step: Step) -> (Error, usize) {
    let server = Scripted::start(vec![step]).await;
    let client = client_for(&server).max_retries(0).build().unwrap();
    let err = client
        .add_customer_json(&vendor_request())
        .await
        .unwrap_err();
    assert_no_token(&err);
    (err, server.count())
}

fn assert_no_token(err: &Error) {
    let shown = format!("{err} | {err:?} | {:?}", err.body());
    assert!(!shown.contains(TOKEN), "token leaked: {shown}");
}

#[tokio::test]
async fn http_401_is_authentication() {
    let (err, _) = error_for(Step::json(
        401,
        r#"{"message":"Invalid Auth Key","status":"failed"}"#,
    ))
    .await;
    let Error::Authentication {
        status,
        message,
        body,
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!((*status, message.as_str()), (401, "Invalid Auth Key"));
    assert!(body.contains("Invalid Auth Key"));
    assert_eq!(err.code(), "authentication");
}

#[tokio::test]
async fn failed_body_with_auth_message_is_authentication_even_on_200() {
    let (err, _) = error_for(Step::json(
        200,
        r#"{"message": "Invalid Auth Key","status": "failed"}"#,
    ))
    .await;
    assert!(
        matches!(err, Error::Authentication { status: 200, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn http_403_is_authentication() {
    let (err, _) = error_for(Step::raw(403, "text/plain", "Forbidden")).await;
    assert!(
        matches!(&err, Error::Authentication { status: 403, message, .. } if message == "Forbidden"),
        "{err:?}"
    );
}

#[tokio::test]
async fn failed_body_is_api_error_with_the_vendor_message() {
    let body = r#"{"message": "Name, Email Id, and Phone Number required", "status": "failed"}"#;
    let (err, _) = error_for(Step::json(200, body)).await;
    let Error::Api {
        status,
        message,
        body: kept,
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(*status, 200);
    assert_eq!(message, "Name, Email Id, and Phone Number required");
    assert_eq!(kept, body);
    assert!(!err.outcome_unknown());
}

#[tokio::test]
async fn capitalised_failed_body_is_api_error() {
    let (err, _) = error_for(Step::json(
        200,
        r#"{"Status": "FAILED", "Message": "Duplicate customer_code"}"#,
    ))
    .await;
    assert!(
        matches!(&err, Error::Api { message, .. } if message == "Duplicate customer_code"),
        "{err:?}"
    );
}

#[tokio::test]
async fn other_4xx_is_api_error() {
    let (err, count) = error_for(Step::raw(
        404,
        "text/html",
        "<html><body>Not Found</body></html>",
    ))
    .await;
    assert!(
        matches!(&err, Error::Api { status: 404, message, .. } if message.contains("Not Found")),
        "{err:?}"
    );
    assert_eq!(count, 1);
}

#[tokio::test]
async fn http_429_is_rate_limited_with_retry_after() {
    let (err, _) =
        error_for(Step::json(429, r#"{"message":"slow down"}"#).header("Retry-After", "7")).await;
    let Error::RateLimited {
        retry_after,
        message,
        ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(*retry_after, Some(Duration::from_secs(7)));
    assert_eq!(message, "slow down");
    assert_eq!(err.status(), Some(429));
}

#[tokio::test]
async fn http_5xx_is_server_error_and_says_whether_the_outcome_is_known() {
    for (status, unknown) in [(500, true), (502, true), (503, false), (504, true)] {
        let (err, count) = error_for(Step::raw(status, "text/plain", "upstream trouble")).await;
        let Error::Server {
            status: got,
            outcome_unknown,
            message,
            ..
        } = &err
        else {
            panic!("{err:?}")
        };
        assert_eq!((*got, *outcome_unknown, count), (status, unknown, 1));
        assert_eq!(message, "upstream trouble");
        assert_eq!(err.outcome_unknown(), unknown);
        assert_eq!(
            err.to_string().contains("may or may not have been created"),
            unknown,
            "{err}"
        );
    }
}

#[tokio::test]
async fn html_page_is_unexpected_response_with_its_first_bytes() {
    let page = format!(
        "<!DOCTYPE html><html><head><title>Proxy login</title></head>{}</html>",
        "x".repeat(5000)
    );
    let (err, _) = error_for(Step::raw(200, "text/html", page)).await;
    let Error::UnexpectedResponse {
        status,
        message,
        body,
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(*status, 200);
    assert!(
        message.contains("<!DOCTYPE html><html><head><title>Proxy login"),
        "{message}"
    );
    assert!(message.len() < 400, "{}", message.len());
    assert!(body.len() < 4200, "{}", body.len());
    assert!(err.outcome_unknown());
}

#[tokio::test]
async fn redirect_is_not_followed() {
    let (err, count) = error_for(
        Step::raw(302, "text/plain", "").header("Location", "http://127.0.0.1:9/elsewhere"),
    )
    .await;
    assert!(
        matches!(err, Error::UnexpectedResponse { status: 302, .. }),
        "{err:?}"
    );
    assert_eq!(count, 1);
}

#[tokio::test]
async fn success_status_with_a_body_without_status_is_unexpected() {
    let (err, _) = error_for(Step::json(200, r#"{"customer": {"customer_id": 1}}"#)).await;
    assert!(
        matches!(&err, Error::UnexpectedResponse { message, .. } if message.contains("status")),
        "{err:?}"
    );
}

#[tokio::test]
async fn reply_over_one_mib_is_refused() {
    let huge = format!(r#"{{"status":"success","pad":"{}"}}"#, "x".repeat(1 << 20));
    let (err, _) = error_for(Step::json(200, &huge)).await;
    assert!(
        matches!(&err, Error::UnexpectedResponse { message, .. } if message.contains("1 MiB")),
        "{err:?}"
    );
}

#[tokio::test]
async fn reset_after_the_request_is_connection_error_with_unknown_outcome() {
    let (err, count) = error_for(Step::Reset).await;
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
    assert!(
        err.to_string().contains("may or may not have been created"),
        "{err}"
    );
    assert_eq!(count, 1);
}

#[tokio::test]
async fn slow_reply_is_timeout_with_unknown_outcome() {
    let server = Scripted::start(vec![Step::success().after(Duration::from_secs(3))]).await;
    let client = client_for(&server)
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let err = client
        .add_customer_json(&vendor_request())
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
    assert_no_token(&err);
    // Not retried: the customer may already exist.
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn refused_connection_is_connection_error_with_known_outcome() {
    let port = support::free_port();
    let client = kapture_crm::Client::builder()
        .token(TOKEN)
        .base_url(format!("http://127.0.0.1:{port}"))
        .max_retries(0)
        .build()
        .unwrap();
    let err = client
        .add_customer_json(&vendor_request())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::Connection {
                outcome_unknown: false,
                ..
            }
        ),
        "{err:?}"
    );
    assert_no_token(&err);
}

#[tokio::test]
async fn token_echoed_by_the_server_is_scrubbed() {
    let body = format!(r#"{{"status":"failed","message":"bad key {TOKEN}"}}"#);
    let (err, _) = error_for(Step::json(400, &body)).await;
    assert!(err.to_string().contains("bad key [REDACTED]"), "{err}");
}

#[tokio::test]
async fn client_debug_never_shows_the_token() {
    let server = Scripted::start(vec![Step::success()]).await;
    let builder = client_for(&server);
    assert!(!format!("{builder:?}").contains(TOKEN));
    let client = builder.build().unwrap();
    let shown = format!("{client:?} {:?}", client.config());
    assert!(!shown.contains(TOKEN), "{shown}");
    assert!(shown.contains("REDACTED"));
}
