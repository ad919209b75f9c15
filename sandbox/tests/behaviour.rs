//! The sandbox's API behaviour, seen through a plain HTTP client.

mod common;

use common::{VENDOR_REQUEST, add, customer, http, post, sandbox};
use kapture_crm_sandbox::{Faults, REQUIRED_MESSAGE, StoredCustomer};
use serde_json::{Value, json};

#[tokio::test]
async fn vendor_example_is_answered_like_the_vendor() {
    let sandbox = sandbox(Faults::default()).await;
    let reply = add(&sandbox, VENDOR_REQUEST).await.unwrap();
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.json(),
        json!({
            "status": "success",
            "customer": {"result": true, "customer_id": 100000001, "action": "CUSTOMER",
                         "action_event": "ADD_CUSTOMER", "contact_id": 200000001},
            "message": "Customer Added successfully !Contact Added successfully !"
        })
    );
    // Key order as on the vendor's page.
    assert!(
        reply
            .text
            .starts_with(r#"{"status":"success","customer":{"result":true,"customer_id":"#)
    );
    let stored = sandbox.customers();
    assert_eq!(stored.len(), 1);
    assert_eq!(
        stored[0].request,
        serde_json::from_str::<Value>(VENDOR_REQUEST).unwrap()
    );
    assert_eq!(stored[0].writes, 1);
}

#[tokio::test]
async fn missing_or_wrong_token_is_invalid_auth_key() {
    let sandbox = sandbox(Faults::default()).await;
    for auth in [
        None,
        Some("Basic wrong"),
        Some("sandbox-test-token"),
        Some("Bearer sandbox-test-token"),
    ] {
        let reply = post(&sandbox, auth, VENDOR_REQUEST).await.unwrap();
        assert_eq!(reply.status, 401, "{auth:?}");
        assert_eq!(
            reply.json(),
            json!({"message": "Invalid Auth Key", "status": "failed"})
        );
    }
    assert!(sandbox.customers().is_empty());
}

#[tokio::test]
async fn body_that_is_not_json_is_400() {
    let sandbox = sandbox(Faults::default()).await;
    for body in ["customer_name=ABC", "", "[1,2]"] {
        let reply = add(&sandbox, body).await.unwrap();
        assert_eq!(reply.status, 400, "{body:?}");
        assert_eq!(reply.json()["status"], "failed");
    }
}

#[tokio::test]
async fn name_plus_phone_or_email_is_required() {
    let sandbox = sandbox(Faults::default()).await;
    for body in [
        json!({"customer_info": {"customer_name": "ABC"}}),
        json!({"customer_info": {"phone": "9380491387"}}),
        json!({"contact_info": []}),
    ] {
        let reply = add(&sandbox, &body.to_string()).await.unwrap();
        assert_eq!(reply.status, 200);
        assert_eq!(
            reply.json(),
            json!({"message": REQUIRED_MESSAGE, "status": "failed"})
        );
    }
    let by_email = add(
        &sandbox,
        &json!({"customer_info": {"customer_name": "A", "email_id": "a@b.in"}}).to_string(),
    )
    .await
    .unwrap();
    assert_eq!(by_email.json()["status"], "success");
    assert_eq!(sandbox.customers().len(), 1);
}

#[tokio::test]
async fn ids_grow_one_contact_id_per_contact() {
    let sandbox = sandbox(Faults::default()).await;
    let two_contacts = json!({
        "customer_info": {"customer_name": "A", "phone": "9000000001"},
        "contact_info": [{"first_name": "X"}, {"first_name": "Y"}]
    });
    let first = add(&sandbox, &two_contacts.to_string())
        .await
        .unwrap()
        .json();
    let second = add(&sandbox, &customer("B", "9000000002"))
        .await
        .unwrap()
        .json();
    assert_eq!(first["customer"]["customer_id"], 100000001);
    assert_eq!(first["customer"]["contact_id"], 200000001);
    assert_eq!(second["customer"]["customer_id"], 100000002);
    assert!(second["customer"].get("contact_id").is_none());
    assert_eq!(second["message"], "Customer Added successfully !");
    let stored = sandbox.customers();
    assert_eq!(stored[0].contact_ids, [200000001, 200000002]);
    assert!(stored[1].contact_ids.is_empty());
}

#[tokio::test]
async fn same_phone_or_email_updates_and_counts_writes() {
    let sandbox = sandbox(Faults::default()).await;
    add(&sandbox, &customer("Asha", "+91 90000 00001"))
        .await
        .unwrap();
    let again = add(&sandbox, &customer("Asha Rao", "919000000001"))
        .await
        .unwrap()
        .json();
    assert_eq!(again["customer"]["customer_id"], 100000001);
    assert_eq!(again["customer"]["action_event"], "UPDATE_CUSTOMER");
    assert_eq!(again["message"], "Customer Updated successfully !");
    let stored = sandbox.customers();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].writes, 2);
    assert_eq!(
        stored[0].request["customer_info"]["customer_name"],
        "Asha Rao"
    );
}

#[tokio::test]
async fn update_true_with_customer_id_updates_that_customer() {
    let sandbox = sandbox(Faults::default()).await;
    add(&sandbox, &customer("A", "9000000001")).await.unwrap();
    let update = json!({"customer_info": {"customer_name": "A", "phone": "9111111111",
                        "customer_id": "100000001", "update": true}});
    let reply = add(&sandbox, &update.to_string()).await.unwrap().json();
    assert_eq!(reply["customer"]["customer_id"], 100000001);
    assert_eq!(reply["customer"]["action_event"], "UPDATE_CUSTOMER");
    let unknown = json!({"customer_info": {"customer_name": "A", "phone": "9111111111",
                         "customer_id": "999", "update": true}});
    let reply = add(&sandbox, &unknown.to_string()).await.unwrap().json();
    assert_eq!(reply["status"], "failed");
    assert_eq!(sandbox.customers().len(), 1);
    assert_eq!(sandbox.customers()[0].writes, 2);
}

#[tokio::test]
async fn customers_endpoint_matches_the_rust_handle_and_can_be_cleared() {
    let sandbox = sandbox(Faults::default()).await;
    for i in 0..3 {
        add(
            &sandbox,
            &customer(&format!("C{i}"), &format!("900000000{i}")),
        )
        .await
        .unwrap();
    }
    let url = format!("{}/sandbox/customers", sandbox.url());
    let listed: Vec<StoredCustomer> = http().get(&url).send().await.unwrap().json().await.unwrap();
    assert_eq!(listed, sandbox.customers());
    assert_eq!(listed.len(), 3);
    let deleted: Value = http()
        .delete(&url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(deleted, json!({"deleted": 3}));
    assert!(sandbox.customers().is_empty());
}

#[tokio::test]
async fn faults_can_be_read_and_changed_at_run_time() {
    let sandbox = sandbox(Faults::default()).await;
    let url = format!("{}/sandbox/faults", sandbox.url());
    let set = http()
        .post(&url)
        .body(r#"{"rate_limit": 1.0, "retry_after": 3}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(set.status(), 200);
    assert_eq!(sandbox.faults().rate_limit, 1.0);
    let reply = add(&sandbox, VENDOR_REQUEST).await.unwrap();
    assert_eq!(
        (reply.status, reply.retry_after.as_deref()),
        (429, Some("3"))
    );
    let bad = http()
        .post(&url)
        .body(r#"{"rate_limit": 1.5}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    let typo = http()
        .post(&url)
        .body(r#"{"ratelimit": 0.5}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(typo.status(), 400);
    let current: Faults = http().get(&url).send().await.unwrap().json().await.unwrap();
    assert_eq!(current.rate_limit, 1.0);
    sandbox.set_faults(Faults::default()).unwrap();
    assert_eq!(add(&sandbox, VENDOR_REQUEST).await.unwrap().status, 200);
}

#[tokio::test]
async fn unknown_route_and_method() {
    let sandbox = sandbox(Faults::default()).await;
    let missing = http()
        .get(format!("{}/nope", sandbox.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);
    let get = http().get(sandbox.endpoint()).send().await.unwrap();
    assert_eq!(get.status(), 405);
}

#[tokio::test]
async fn stops_when_dropped() {
    let sandbox = sandbox(Faults::default()).await;
    let url = sandbox.url().to_string();
    add(&sandbox, VENDOR_REQUEST).await.unwrap();
    drop(sandbox);
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    assert!(
        http()
            .get(format!("{url}/sandbox/stats"))
            .send()
            .await
            .is_err()
    );
}

#[test]
fn background_sandbox_serves_without_a_runtime_of_the_caller() {
    let sandbox = kapture_crm_sandbox::Sandbox::start_background(Default::default()).unwrap();
    assert!(sandbox.token().starts_with("sandbox-"));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let reply = runtime.block_on(add(&sandbox, VENDOR_REQUEST)).unwrap();
    assert_eq!(reply.status, 200);
    assert_eq!(sandbox.customers().len(), 1);
    let url = sandbox.url().to_string();
    sandbox.stop();
    assert!(
        runtime
            .block_on(http().get(format!("{url}/sandbox/stats")).send())
            .is_err()
    );
}

#[tokio::test]
async fn background_sandbox_can_start_inside_a_runtime() {
    let sandbox = kapture_crm_sandbox::Sandbox::start_background(Default::default()).unwrap();
    let reply = add(&sandbox, VENDOR_REQUEST).await.unwrap();
    assert_eq!(reply.status, 200);
    // Stopping joins its thread: off this runtime's worker.
    tokio::task::spawn_blocking(move || sandbox.stop())
        .await
        .unwrap();
}
