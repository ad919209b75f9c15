//! Issue 12: `kapture find` against the sandbox: exit 0 and the customer's
//! JSON when found, 1 when not, 2 on an error.

use kapture_crm_sandbox::Faults;

mod common;
use common::*;

#[test]
fn find_prints_the_customer_or_says_there_is_none() {
    let sandbox = sandbox(Faults::default());
    let target = ["--token", sandbox.token(), "--base-url", sandbox.url()];
    let added = kapture()
        .args([
            "add",
            "--name",
            "Asha Rao",
            "--phone",
            "+91 98450 12345",
            "--email",
            "asha@example.com",
        ])
        .args(target)
        .output()
        .unwrap();
    assert_eq!(added.status.code(), Some(0), "{}", stderr(&added));

    let found = kapture()
        .args(["find", "--phone", "+91 98450 12345"])
        .args(target)
        .output()
        .unwrap();
    assert_eq!(found.status.code(), Some(0), "{}", stderr(&found));
    let customer: serde_json::Value = serde_json::from_slice(&found.stdout).unwrap();
    assert_eq!(customer["name"], "Asha Rao");
    let id = customer["id"].as_u64().unwrap();

    let by_id = kapture()
        .args(["find", "--customer-id", &id.to_string()])
        .args(target)
        .output()
        .unwrap();
    assert_eq!(by_id.status.code(), Some(0), "{}", stderr(&by_id));

    let missing = kapture()
        .args(["find", "--email", "nobody@example.com"])
        .args(target)
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(1));
    assert!(stderr(&missing).contains("no such customer"));

    let bad = kapture()
        .args(["find", "--phone", "12"])
        .args(target)
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("phone"), "{}", stderr(&bad));
    let none = kapture().args(["find"]).args(target).output().unwrap();
    assert_eq!(none.status.code(), Some(2));
    assert_eq!(sandbox.stats().add_update_requests, 1);
}
