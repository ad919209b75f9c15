//! Step 17 item 2: upsert against the sandbox. With duplicates kept
//! separate (a wrong add shows as a second customer) and with duplicates
//! refused (the vendor's "Lead already exists, Customer ID :N" reply, as
//! public material shows it).

use kapture_crm::{AddCustomerRequest, Client, ContactInfo, Error, MatchOn, UpsertAction};
use kapture_crm_sandbox::{Duplicates, Sandbox, SandboxConfig};

async fn sandbox(duplicates: Duplicates) -> (Sandbox, Client) {
    let sandbox = Sandbox::start(SandboxConfig {
        duplicates,
        ..SandboxConfig::default()
    })
    .await
    .unwrap();
    let client = Client::builder()
        .token(sandbox.token())
        .base_url(sandbox.url())
        .build()
        .unwrap();
    (sandbox, client)
}

fn asha(city: &str) -> AddCustomerRequest {
    let mut request = AddCustomerRequest::with_phone("Asha Rao", "9380491387");
    request.customer_info.email_id = "asha@example.in".into();
    request.customer_info.city = city.into();
    request.contact_info.push(ContactInfo {
        first_name: "Asha".into(),
        contact_person_phone: "+91 93804 91387".into(),
        ..ContactInfo::default()
    });
    request
}

#[tokio::test]
async fn upsert_adds_then_updates_the_same_customer_without_adding_its_contact_again() {
    let (sandbox, client) = sandbox(Duplicates::Separate).await;
    let first = client
        .upsert_customer(&asha("Pune"), MatchOn::Phone)
        .await
        .unwrap();
    assert_eq!(first.action, UpsertAction::Added);
    let second = client
        .upsert_customer(&asha("Goa"), MatchOn::Phone)
        .await
        .unwrap();
    assert_eq!(second.action, UpsertAction::Updated);
    assert_eq!(second.customer_id, first.customer_id);
    let held = sandbox.customers();
    assert_eq!(held.len(), 1, "{held:?}");
    assert_eq!(held[0].writes, 2);
    assert_eq!(held[0].contact_ids.len(), 1, "the contact was added again");
    assert_eq!(held[0].request["customer_info"]["city"], "Goa");
    // The update named the customer and its contact by id.
    assert_eq!(
        held[0].request["customer_info"]["customer_id"],
        first.customer_id.unwrap().to_string()
    );
    assert_eq!(
        held[0].request["contact_info"][0]["contact_id"],
        held[0].contact_ids[0].to_string()
    );
    // By email, the same customer.
    let third = client
        .upsert_customer(&asha("Delhi"), MatchOn::Email)
        .await
        .unwrap();
    assert_eq!(
        (third.action, third.customer_id),
        (UpsertAction::Updated, first.customer_id)
    );
    assert_eq!(sandbox.customers().len(), 1);
}

#[tokio::test]
async fn phone_and_email_finding_two_customers_is_an_error_naming_both_and_sends_nothing() {
    let (sandbox, client) = sandbox(Duplicates::Separate).await;
    let by_phone = client
        .add_customer(&AddCustomerRequest::with_phone("Asha Rao", "9380491387"))
        .await
        .unwrap();
    let mut other = AddCustomerRequest::with_phone("Asha Rao", "");
    other.customer_info.email_id = "asha@example.in".into();
    let by_email = client.add_customer(&other).await.unwrap();
    let sent = sandbox.stats().add_update_requests;

    let error = client
        .upsert_customer(&asha("Pune"), MatchOn::Phone)
        .await
        .unwrap_err();
    let text = error.to_string();
    assert!(matches!(error, Error::Validation(_)), "{error:?}");
    for id in [by_phone.customer_id(), by_email.customer_id()] {
        assert!(text.contains(&id.unwrap().to_string()), "{text}");
    }
    assert_eq!(sandbox.stats().add_update_requests, sent);
}

#[tokio::test]
async fn a_duplicate_refusal_naming_the_customer_becomes_an_update_of_it() {
    let (sandbox, client) = sandbox(Duplicates::Refuse).await;
    let added = client.add_customer(&asha("Pune")).await.unwrap();
    // A plain add of the same phone is refused with the existing ids.
    let refused = client.add_customer(&asha("Goa")).await.unwrap_err();
    assert_eq!(
        refused.existing_customer_id(),
        added.customer_id().map(|id| id as u64)
    );
    // The lookup finds the phone's customer under another name (renamed in
    // the CRM): by the matching rule it is not this row's, so the upsert
    // adds, the add is refused as a duplicate of that customer, and the
    // refusal turns into an update of it.
    let mut renamed = asha("Goa");
    renamed.customer_info.customer_name = "Asha R.".into();
    let upserted = client
        .upsert_customer(&renamed, MatchOn::Phone)
        .await
        .unwrap();
    assert_eq!(upserted.action, UpsertAction::Updated);
    assert_eq!(upserted.customer_id, added.customer_id());
    let held = sandbox.customers();
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].request["customer_info"]["customer_name"], "Asha R.");
    assert_eq!(held[0].contact_ids.len(), 1, "the contact was added again");
}

#[tokio::test]
async fn an_upsert_needs_its_match_key() {
    let (_sandbox, client) = sandbox(Duplicates::Merge).await;
    let request = AddCustomerRequest::with_phone("Asha Rao", "9380491387");
    let error = client
        .upsert_customer(&request, MatchOn::Email)
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains("customer_info.email_id"),
        "{error}"
    );
    let bad = MatchOn::parse("match", "mobile").unwrap_err().to_string();
    assert!(bad.contains("match must be phone or email"), "{bad}");
}
