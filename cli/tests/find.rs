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

/// Issue 12: a Kapture user's name and password instead of a token; a
/// token that is an un-encoded user:password is refused without showing it.
#[test]
fn username_and_password_file_make_the_basic_token() {
    use std::io::Write;
    let sandbox =
        kapture_crm_sandbox::Sandbox::start_background(kapture_crm_sandbox::SandboxConfig {
            // base64("asha:p@ss")
            token: Some("YXNoYTpwQHNz".into()),
            ..Default::default()
        })
        .unwrap();
    let mut child = kapture()
        .args(["add", "--name", "Asha", "--phone", "9845012345"])
        .args([
            "--username",
            "asha",
            "--password-file",
            "-",
            "--base-url",
            sandbox.url(),
        ])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"p@ss\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    let refused = kapture()
        .args(["add", "--name", "Asha", "--phone", "9845012345"])
        .args(["--token", "asha:secret-pass", "--base-url", sandbox.url()])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        stderr(&refused).contains("username"),
        "{}",
        stderr(&refused)
    );
    assert!(!stderr(&refused).contains("secret-pass"));
    assert_eq!(sandbox.stats().add_update_requests, 1);
}

/// Issue 12: --header is checked before anything is sent.
#[test]
fn bad_headers_are_refused_before_sending() {
    let sandbox = sandbox(Faults::default());
    for header in ["Authorization: Basic other", "no colon here"] {
        let out = kapture()
            .args([
                "add",
                "--name",
                "Asha",
                "--phone",
                "9845012345",
                "--header",
                header,
            ])
            .args(["--token", sandbox.token(), "--base-url", sandbox.url()])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{header}");
        assert!(!stderr(&out).contains("Basic other"));
    }
    let ok = kapture()
        .args([
            "add",
            "--name",
            "Asha",
            "--phone",
            "9845012345",
            "--header",
            "x-api-key: k-1",
        ])
        .args(["--token", sandbox.token(), "--base-url", sandbox.url()])
        .output()
        .unwrap();
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
    assert_eq!(sandbox.stats().add_update_requests, 1);
}
