//! Issue 12, Get Customer: `Client::find_customer` against the sandbox,
//! which serves the vendor's path and shapes with the same faults as adds.

use std::time::Duration;

use kapture_crm::{AddCustomerRequest, Backoff, Client, CustomerLookup, Error, blocking};
use kapture_crm_sandbox::{Faults, Sandbox, SandboxConfig};

async fn sandbox(faults: Faults) -> Sandbox {
    Sandbox::start(SandboxConfig {
        faults,
        ..SandboxConfig::default()
    })
    .await
    .unwrap()
}

fn client(sandbox: &Sandbox, retries: u32) -> Client {
    Client::builder()
        .token(sandbox.token())
        .base_url(sandbox.url())
        .max_retries(retries)
        .backoff(Backoff {
            initial: Duration::from_millis(1),
            max: Duration::from_millis(5),
        })
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_customer_is_found_by_phone_email_or_id_and_a_stranger_is_none() {
    let sandbox = sandbox(Faults::default()).await;
    let client = client(&sandbox, 2);
    let mut request = AddCustomerRequest::with_phone("Asha Rao", "+91 98450 12345");
    request.customer_info.email_id = "Asha@Example.com".into();
    request.customer_info.city = "Pune".into();
    let added = client.add_customer(&request).await.unwrap();
    let id = added.customer_id().unwrap() as u64;

    for lookup in [
        CustomerLookup::by_phone("919845012345"),
        CustomerLookup::by_email("asha@example.com"),
        CustomerLookup::by_customer_id(id),
    ] {
        let found = client.find_customer(&lookup).await.unwrap().expect("found");
        assert_eq!(found.id, Some(id), "{lookup:?}");
        assert_eq!(found.name.as_deref(), Some("Asha Rao"));
        assert_eq!(found.city.as_deref(), Some("Pune"));
        assert_eq!(found.text("city"), Some("Pune"));
        assert!(found.as_json().contains_key("generationDate"));
    }
    let stranger = CustomerLookup::by_phone("9000000000");
    assert_eq!(client.find_customer(&stranger).await.unwrap(), None);
    assert_eq!(sandbox.customers()[0].writes, 1, "a lookup writes nothing");
}

#[tokio::test]
async fn bad_lookups_fail_before_io_and_a_bad_key_is_authentication() {
    let sandbox = sandbox(Faults::default()).await;
    let client = client(&sandbox, 0);
    let err = client
        .find_customer(&CustomerLookup::default())
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Validation(_)), "{err}");
    let wrong = Client::builder()
        .token("not-the-token")
        .base_url(sandbox.url())
        .build()
        .unwrap();
    let err = wrong
        .find_customer(&CustomerLookup::by_phone("9845012345"))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Authentication { .. }), "{err:?}");
    assert_eq!(sandbox.stats().add_update_requests, 0);
}

#[tokio::test]
async fn a_lookup_is_a_read_retried_through_drops_and_5xx() {
    let sandbox = sandbox(Faults::default()).await;
    let client = client(&sandbox, 20);
    client
        .add_customer(&AddCustomerRequest::with_phone("Asha", "9845012345"))
        .await
        .unwrap();
    sandbox
        .set_faults(Faults {
            seed: 11,
            drop_after: 0.3,
            unavailable: 0.2,
            server_error: 0.2,
            retry_after: None,
            ..Faults::default()
        })
        .unwrap();
    for _ in 0..10 {
        let found = client
            .find_customer(&CustomerLookup::by_phone("9845012345"))
            .await
            .unwrap();
        assert!(found.is_some());
    }
    let injected: u64 = sandbox.stats().faults_injected.values().sum();
    assert!(injected > 0, "the faults were exercised");
}

#[test]
fn the_blocking_client_finds_too() {
    let sandbox = Sandbox::start_background(SandboxConfig::default()).unwrap();
    let client = blocking::Client::new(
        Client::builder()
            .token(sandbox.token())
            .base_url(sandbox.url()),
    )
    .unwrap();
    client
        .add_customer(&AddCustomerRequest::with_email("Ravi", "ravi@example.com"))
        .unwrap();
    let found = client
        .find_customer(&CustomerLookup::by_email("ravi@example.com"))
        .unwrap()
        .unwrap();
    assert_eq!(found.name.as_deref(), Some("Ravi"));
}

/// Issue 12, update by id: the id alone and the changed fields; an unknown
/// id is refused and stores nothing.
#[tokio::test]
async fn update_customer_by_id_changes_only_that_customer() {
    let sandbox = sandbox(Faults::default()).await;
    let client = client(&sandbox, 0);
    let mut request = AddCustomerRequest::with_phone("Asha", "9845012345");
    request.customer_info.city = "Pune".into();
    let id = client
        .add_customer(&request)
        .await
        .unwrap()
        .customer_id()
        .unwrap();

    let mut change = AddCustomerRequest::default();
    change.customer_info.city = "Goa".into();
    let reply = client
        .update_customer(&id.to_string(), &change)
        .await
        .unwrap();
    assert_eq!(reply.customer_id(), Some(id));
    let stored = &sandbox.customers()[0];
    assert_eq!((stored.writes, sandbox.customers().len()), (2, 1));
    assert_eq!(stored.request["customer_info"]["city"], "Goa");
    assert_eq!(stored.request["customer_info"]["customer_name"], "Asha");

    let err = client
        .update_customer("999999999", &change)
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Api { .. }), "{err:?}");
    assert!(err.to_string().contains("does not exist"), "{err}");
    let err = client.update_customer("12ab", &change).await.unwrap_err();
    assert!(matches!(err, Error::Validation(_)), "{err:?}");
    assert_eq!(sandbox.customers().len(), 1);
}

/// Without the sandbox's merge rule a double send shows as two customers.
#[tokio::test]
async fn without_merge_a_double_send_is_two_customers() {
    let sandbox = Sandbox::start(SandboxConfig {
        no_merge: true,
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let client = client(&sandbox, 0);
    let request = AddCustomerRequest::with_phone("Asha", "9845012345");
    client.add_customer(&request).await.unwrap();
    client.add_customer(&request).await.unwrap();
    assert_eq!(sandbox.customers().len(), 2);
}

/// Step 14: a front end converts and checks a request once
/// (`CheckedRequest`, made only by the crate's checking parsers) and sends
/// it as it is; an update is a checked request with its id set, and an
/// empty id is refused before it could be sent as an add.
#[tokio::test]
async fn a_checked_request_is_sent_as_it_is_and_an_update_needs_its_id() {
    let sandbox = sandbox(Faults::default()).await;
    let client = client(&sandbox, 0);
    let options = kapture_crm::RequestOptions::default();
    assert!(AddCustomerRequest::default().checked().is_err());
    let checked = AddCustomerRequest::with_phone("Asha", "9845012345")
        .checked()
        .unwrap();
    let added = client.send_checked_with(&checked, &options).await.unwrap();
    let id = added.customer_id().unwrap().to_string();
    let update = kapture_crm::parse::checked_update(
        serde_json::json!({"customer_info": {"city": "Goa"}}),
        &id,
        Vec::new(),
    )
    .unwrap();
    client.send_checked_with(&update, &options).await.unwrap();
    let stored = sandbox.customers();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].writes, 2);
    assert_eq!(stored[0].request["customer_info"]["city"], "Goa");
    let no_id = kapture_crm::parse::checked_update(
        serde_json::json!({"customer_info": {}}),
        " ",
        Vec::new(),
    );
    assert!(matches!(no_id, Err(Error::Validation(_))), "{no_id:?}");
    assert_eq!(sandbox.stats().add_update_requests, 2);
}
