//! A row-level refusal whose message mentions authorisation fails that row
//! only; just a refused key (401/403, the vendor's "Invalid Auth Key")
//! stops an import.

mod common;

use std::sync::atomic::Ordering;

use common::{count, kapture, scripted_server, stderr, workdir, write_csv};

const REFUSAL: &str = r#"{"message": "Unauthorised assignee: asha@example.com is not in your team", "status": "failed"}"#;

#[test]
fn a_row_refused_with_a_message_about_authorisation_fails_alone_and_the_import_goes_on() {
    let dir = workdir("refusal-mentions-auth");
    let csv = dir.join("customers.csv");
    write_csv(&csv, 40, &[]);
    // Row 17's phone, as the row mapper normalises "+91 9000000017".
    let (url, requests) = scripted_server(|body| {
        if body.contains("9000000017") {
            (400, REFUSAL.to_string())
        } else {
            (200, common::VENDOR_SUCCESS.to_string())
        }
    });
    let out = kapture()
        .args(["import", csv.to_str().unwrap(), "--map", "Mobile No=phone"])
        .args([
            "--token",
            "row-level-token",
            "--base-url",
            &url,
            "--max-retries",
            "0",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(count(&out, "added"), 39, "{}", stderr(&out));
    assert_eq!(count(&out, "failed"), 1);
    assert_eq!(requests.load(Ordering::SeqCst), 40);
    assert!(
        !stderr(&out).to_ascii_lowercase().contains("token"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_redirect_after_an_add_is_unknown_and_resume_does_not_send_it_again() {
    let dir = workdir("redirect-after-add");
    let csv = dir.join("customers.csv");
    write_csv(&csv, 3, &[]);
    // 303 See Other: processed, look elsewhere.
    let (url, requests) = scripted_server(|_| {
        (
            303,
            r#"{"status": "failed", "message": "see other"}"#.to_string(),
        )
    });
    let import = || {
        kapture()
            .args(["import", csv.to_str().unwrap(), "--map", "Mobile No=phone"])
            .args([
                "--token",
                "redirect-token",
                "--base-url",
                &url,
                "--max-retries",
                "3",
            ])
            .output()
            .unwrap()
    };
    let first = import();
    assert_eq!(first.status.code(), Some(1), "{}", stderr(&first));
    assert_eq!(count(&first, "unknown"), 3, "{}", common::stdout(&first));
    assert_eq!(
        requests.load(Ordering::SeqCst),
        3,
        "an unknown outcome is never retried"
    );
    // Resume: the unknown rows are not sent again without --retry-unknown
    // or --reconcile.
    let again = import();
    assert_eq!(again.status.code(), Some(1), "{}", stderr(&again));
    assert_eq!(requests.load(Ordering::SeqCst), 3);
}

#[test]
fn a_pincode_a_spreadsheet_wrote_as_an_exponent_number_fails_its_row_with_the_hint() {
    let dir = workdir("exponent-pincode");
    let csv = dir.join("customers.csv");
    std::fs::write(
        &csv,
        "customer_name,phone,pincode\nAsha,9845012345,411001\nRavi,9845012346,4.11E+05\n",
    )
    .unwrap();
    let (url, requests) = scripted_server(|_| (200, common::VENDOR_SUCCESS.to_string()));
    let out = kapture()
        .args([
            "import",
            csv.to_str().unwrap(),
            "--token",
            "t-exp",
            "--base-url",
            &url,
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(count(&out, "added"), 1);
    assert_eq!(
        requests.load(Ordering::SeqCst),
        1,
        "the refused row is never sent"
    );
    let failures = std::fs::read_to_string(dir.join("customers.failed.csv")).unwrap();
    assert!(
        failures.contains("4.11E+05") && failures.contains("format the column as text"),
        "{failures}"
    );
}
