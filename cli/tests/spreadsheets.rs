//! Issue 10, "silent loss in the CLI": files as spreadsheets really are.
//! Each case a regression test against the real binary and the sandbox.

use kapture_crm_sandbox::Faults;

mod common;
use common::*;

/// Case 1: two `phone` columns imported with exit 0, the last one winning.
#[test]
fn case_1_two_columns_filling_one_field_are_refused_before_sending() {
    let dir = workdir("dupheaders");
    let sandbox = sandbox(Faults::default());
    let csv = dir.join("c.csv");
    std::fs::write(
        &csv,
        "customer_name,phone,Mobile No\nAsha,9380491387,9380491388\n",
    )
    .unwrap();
    let out = import_plain(&sandbox, &csv, &["--map", "Mobile No=phone"]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    let text = stderr(&out);
    assert!(
        text.contains("\"phone\" and \"Mobile No\" both fill customer_info.phone"),
        "{text}"
    );
    let out = kapture()
        .args([
            "validate",
            csv.to_str().unwrap(),
            "--map",
            "Mobile No=phone",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(sandbox.stats().add_update_requests, 0);
}

/// Case 2: rows with too many or too few fields went through.
#[test]
fn case_2_a_row_with_the_wrong_number_of_fields_fails_alone() {
    let dir = workdir("fieldcount");
    let sandbox = sandbox(Faults::default());
    let csv = dir.join("c.csv");
    std::fs::write(
        &csv,
        "customer_name,phone,email_id,city\nA,9380491387,a@b.co,Pune\nB,9380491388,b@b.co,Pune,extra\nC,9380491389\nD,9380491390,d@b.co,Goa\n",
    )
    .unwrap();
    let out = import_plain(&sandbox, &csv, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(count(&out, "added"), 2);
    assert_eq!(count(&out, "failed"), 2);
    let failures = std::fs::read_to_string(dir.join("c.failed.csv")).unwrap();
    assert!(
        failures.contains("row 2 has 5 fields, the header has 4"),
        "{failures}"
    );
    assert!(
        failures.contains("row 3 has 2 fields, the header has 4"),
        "{failures}"
    );
    assert_eq!(sandbox.customers().len(), 2);
}

/// Case 3: an empty or header-only file said `0 rows read` with exit 0; an
/// entirely empty row is skipped and counted as blank, not failed.
#[test]
fn case_3_no_rows_is_an_error_and_blank_rows_are_skipped() {
    let dir = workdir("norows");
    let sandbox = sandbox(Faults::default());
    for (name, text) in [("empty.csv", ""), ("header.csv", "customer_name,phone\n")] {
        let csv = dir.join(name);
        std::fs::write(&csv, text).unwrap();
        let out = import_plain(&sandbox, &csv, &[]);
        assert_eq!(out.status.code(), Some(2), "{name}: {}", stdout(&out));
        assert!(stderr(&out).contains("no rows"), "{name}: {}", stderr(&out));
        let out = kapture()
            .args(["validate", csv.to_str().unwrap()])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{name}");
    }
    let csv = dir.join("blank.csv");
    std::fs::write(
        &csv,
        "customer_name,phone,city\nA,9380491387,Pune\n,,\n , ,\nB,9380491388,Goa\n",
    )
    .unwrap();
    let out = import_plain(&sandbox, &csv, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert_eq!(count(&out, "added"), 2);
    assert_eq!(count(&out, "failed"), 0);
    assert_eq!(count(&out, "blank"), 2);
}

/// Case 4: the summary printed the duplicate count twice.
#[test]
fn case_4_the_duplicate_count_is_printed_once() {
    let dir = workdir("dupcount");
    let sandbox = sandbox(Faults::default());
    let csv = dir.join("c.csv");
    std::fs::write(&csv, "customer_name,phone\nA,9380491387\nB,9380491387\n").unwrap();
    let out = import_plain(&sandbox, &csv, &[]);
    let text = stdout(&out);
    assert_eq!(text.matches("duplicate").count(), 1, "{text}");
    assert_eq!(count(&out, "duplicate"), 1);
}
