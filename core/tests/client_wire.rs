//! What the client puts on the wire, against a real loopback server.

mod support;

use kapture_crm::{AddCustomerRequest, Client, Error, blocking};
use serde_json::{Value, json};
use support::{Scripted, Step, client_for, vendor_request};

#[tokio::test]
async fn vendor_example_goes_out_exactly() {
    let server = Scripted::start(vec![Step::success()]).await;
    let client = client_for(&server).build().unwrap();
    let reply = client.add_customer_json(&vendor_request()).await.unwrap();

    let sent = server.requests();
    assert_eq!(sent.len(), 1);
    let request = &sent[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/ms/customer/customer/api/v1/add-update");
    assert_eq!(
        request.header("authorization"),
        Some("Basic test-token-5f2c")
    );
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert_eq!(request.header("accept"), Some("application/json"));
    assert_eq!(
        request.header("user-agent"),
        Some(concat!("kapture-crm/", env!("CARGO_PKG_VERSION")))
    );
    assert_eq!(request.json(), vendor_request());

    assert_eq!(reply.status(), Some("success"));
    assert_eq!(reply.customer_id(), Some(191690263));
    assert_eq!(reply.contact_id(), Some(210004093));
    let expected: Value = serde_json::from_str(support::VENDOR_RESPONSE).unwrap();
    assert_eq!(Value::Object(reply.into_json()), expected);
}

#[tokio::test]
async fn typed_minimal_request_is_sent_in_the_documented_shape() {
    let server = Scripted::start(vec![Step::success()]).await;
    let client = client_for(&server).build().unwrap();
    client
        .add_customer(&AddCustomerRequest::with_email(
            "Asha Rao",
            "asha@example.in",
        ))
        .await
        .unwrap();
    let body = server.requests()[0].json();
    assert_eq!(body["customer_info"]["customer_name"], "Asha Rao");
    assert_eq!(body["customer_info"]["email_id"], "asha@example.in");
    assert_eq!(body["customer_info"]["phone"], "");
    assert_eq!(body["customer_info"]["organization"], false);
    assert_eq!(body["customer_info"]["associate_fields"], json!({}));
    assert_eq!(body["enquiry_info"]["subStatus"], "");
    assert_eq!(body["contact_info"], json!([]));
}

#[tokio::test]
async fn basic_prefix_is_not_doubled_and_user_agent_is_extended() {
    let server = Scripted::start(vec![Step::success()]).await;
    let client = client_for(&server)
        .token("Basic abc123==")
        .user_agent("shop-sync/3.1")
        .build()
        .unwrap();
    client.add_customer_json(&vendor_request()).await.unwrap();
    let request = &server.requests()[0];
    assert_eq!(request.header("authorization"), Some("Basic abc123=="));
    assert!(
        request
            .header("user-agent")
            .unwrap()
            .starts_with("shop-sync/3.1 kapture-crm/")
    );
}

#[tokio::test]
async fn validation_sends_nothing() {
    let server = Scripted::start(vec![Step::success()]).await;
    let client = client_for(&server).build().unwrap();
    let bad = json!({"customer_info": {"customer_name": "A", "email": "a@b.co"}});
    let err = client.add_customer_json(&bad).await.unwrap_err();
    let Error::Validation(errors) = err else {
        panic!("{err:?}")
    };
    assert_eq!(errors[0].path, "customer_info.email");
    let typed = AddCustomerRequest::with_phone("A", "12");
    assert!(matches!(
        client.add_customer(&typed).await,
        Err(Error::Validation(_))
    ));
    assert_eq!(server.count(), 0);
    assert_eq!(server.connections(), 0);
}

#[tokio::test]
async fn one_client_reuses_its_connection() {
    let server = Scripted::start(vec![Step::success()]).await;
    let client = client_for(&server).build().unwrap();
    let clone = client.clone();
    for _ in 0..5 {
        client.add_customer_json(&vendor_request()).await.unwrap();
        clone.add_customer_json(&vendor_request()).await.unwrap();
    }
    assert_eq!(server.count(), 10);
    assert_eq!(server.connections(), 1);
}

#[tokio::test]
async fn concurrent_calls_share_one_client() {
    let server = Scripted::start(vec![Step::success()]).await;
    let client = client_for(&server).build().unwrap();
    let calls = (0..20).map(|i| {
        let client = client.clone();
        tokio::spawn(async move {
            let request = AddCustomerRequest::with_phone(format!("C{i}"), format!("98450{i:05}"));
            client.add_customer(&request).await
        })
    });
    for call in calls {
        call.await.unwrap().unwrap();
    }
    let mut names: Vec<String> = server
        .requests()
        .iter()
        .map(|r| {
            r.json()["customer_info"]["customer_name"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    names.sort();
    assert_eq!(names.len(), 20);
    names.dedup();
    assert_eq!(names.len(), 20);
}

#[test]
fn blocking_client_sends_and_parses() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(Scripted::start(vec![Step::success()]));
    let client = blocking::Client::new(client_for(&server)).unwrap();
    let reply = client.add_customer_json(&vendor_request()).unwrap();
    assert_eq!(reply.customer_id(), Some(191690263));
    assert_eq!(server.count(), 1);
    assert!(!format!("{client:?}").contains("test-token-5f2c"));
}

#[tokio::test]
async fn blocking_client_on_a_thread_running_async_tasks_is_an_error_not_a_panic() {
    let server = Scripted::start(vec![Step::success()]).await;
    let builder = client_for(&server);
    // Built on a plain thread (building needs no runtime), then called here.
    let client = std::thread::spawn(move || blocking::Client::new(builder).unwrap())
        .join()
        .unwrap();
    let err = client.add_customer_json(&vendor_request()).unwrap_err();
    assert!(
        matches!(&err, Error::Config(m) if m.contains("runs async tasks")),
        "{err:?}"
    );
    assert_eq!(server.count(), 0);
    // Dropping a runtime inside a runtime panics; hand it to a plain thread.
    std::thread::spawn(move || drop(client)).join().unwrap();
}

#[tokio::test]
async fn plain_http_to_another_host_is_refused_before_connecting() {
    let err = Client::builder()
        .token("t0k3n")
        .base_url("http://kapture.example.com")
        .build()
        .unwrap_err();
    assert!(
        matches!(&err, Error::Config(m) if m.contains("loopback")),
        "{err}"
    );
}

#[tokio::test]
async fn extra_ca_file_is_loaded_and_checked() {
    let fixtures = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures");
    let builder = || Client::builder().token("t0k3n").subdomain("acme");
    builder()
        .ca_file(format!("{fixtures}/test-ca.pem"))
        .build()
        .unwrap();
    let missing = builder()
        .ca_file(format!("{fixtures}/no-such.pem"))
        .build()
        .unwrap_err();
    assert!(
        matches!(&missing, Error::Config(m) if m.contains("cannot read")),
        "{missing}"
    );
    let not_pem = builder()
        .ca_file(format!("{fixtures}/vendor_request.json"))
        .build()
        .unwrap_err();
    assert!(
        matches!(&not_pem, Error::Config(m) if m.contains("PEM")),
        "{not_pem}"
    );
}

/// Issue 12: extra headers on every request, checked; never Authorization;
/// their values hidden from Debug.
#[tokio::test]
async fn default_headers_are_sent_and_checked() {
    let server = Scripted::start(vec![Step::success()]).await;
    let client = client_for(&server)
        .default_header("X-Api-Key", "k-123-secret")
        .default_header("x-api-type", "customer")
        .build()
        .unwrap();
    assert!(!format!("{:?}", client.config()).contains("k-123-secret"));
    client.add_customer_json(&vendor_request()).await.unwrap();
    let request = &server.requests()[0];
    assert_eq!(request.header("x-api-key"), Some("k-123-secret"));
    assert_eq!(request.header("x-api-type"), Some("customer"));
    for (name, value) in [
        ("Authorization", "Basic x"),
        ("bad name", "v"),
        ("x-ok", "line\nbreak"),
    ] {
        let err = client_for(&server)
            .default_header(name, value)
            .build()
            .unwrap_err();
        assert!(
            matches!(&err, Error::Config(m) if !m.contains("Basic x")),
            "{err}"
        );
    }
}
