//! `kapture import` of a workbook as an operations team keeps one
//! (`examples/customers.xlsx`, made by `examples/rust/make_workbook.rs`):
//! every valid row added with no flag, the sheet and header row said, one
//! journal per sheet, a failures file Excel opens (CSV UTF-8 with a BOM)
//! whose fixes are journaled as the workbook's rows.

mod common;

use common::*;
use kapture_crm_sandbox::Faults;

const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/customers.xlsx");

#[test]
fn the_example_workbook_is_imported_with_no_flag_and_resumed_per_sheet() {
    let dir = workdir("workbook-example");
    let book = dir.join("customers.xlsx");
    std::fs::copy(EXAMPLE, &book).unwrap();
    let sandbox = sandbox(Faults::default());

    let output = import_plain(&sandbox, &book, &[]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{text}{}", stderr(&output));
    assert_eq!(count(&output, "added"), 8, "{text}");
    assert_eq!(count(&output, "failed"), 1, "{text}");
    assert_eq!(count(&output, "blank"), 1, "{text}");
    // `rows` counts every row read, the blank one too.
    assert!(text.starts_with("Done: 10 rows read"), "{text}");
    assert!(
        text.contains("sheet \"Customers\" (1 of 2; --sheet chooses another: \"Notes\")"),
        "{text}"
    );
    assert!(
        text.contains("header:      row 3 (rows 1 to 2 above it skipped)"),
        "{text}"
    );

    // What was sent: phones and pincodes as digits, dates as the vendor's.
    let customers = sandbox.customers();
    assert_eq!(customers.len(), 8);
    let asha = customers
        .iter()
        .find(|c| c.request["customer_info"]["customer_name"] == "Asha Rao")
        .unwrap();
    assert_eq!(asha.request["customer_info"]["phone"], "9822012345");
    assert_eq!(asha.request["customer_info"]["pincode"], "560001");
    assert_eq!(asha.request["contact_info"][0]["dob"], "1990-02-28");
    assert_eq!(
        asha.request["enquiry_info"]["next_follow_up_date"],
        "2026-12-10 09:30:00"
    );
    let meera = customers
        .iter()
        .find(|c| c.request["customer_info"]["customer_name"] == "Meera Iyer")
        .unwrap();
    assert_eq!(
        meera.request["customer_info"]["pincode"], "600028",
        "a formula is read by its cached value"
    );

    // The failures file: CSV UTF-8 with a byte-order mark, the sheet's own
    // row number, and the cell named.
    let failures_path = dir.join("customers.Customers.failed.csv");
    let bytes = std::fs::read(&failures_path).unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "Excel needs the BOM");
    let failures = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let mut lines = failures.lines();
    assert_eq!(
        lines.next().unwrap(),
        "Sr No,Full Name,Mobile Number,Email ID,Pincode,Date of Birth,Next Follow Up Date,row,error"
    );
    let failed = lines.next().unwrap();
    assert!(failed.starts_with("9,Unknown Phone,#N/A,"), "{failed}");
    assert!(
        failed.contains(",13,\"customer_info.phone: cell C13 holds the error #N/A"),
        "{failed}"
    );

    // One journal, for this sheet.
    let journals = journals_of(&book);
    assert_eq!(journals.len(), 1, "{journals:?}");
    let journal = journals[0]
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    assert!(
        journal.starts_with("customers.xlsx.Customers."),
        "{journal}"
    );

    // Again: every added row is skipped, nothing is sent twice.
    let again = import_plain(&sandbox, &book, &[]);
    assert_eq!(count(&again, "skipped"), 8, "{}", stdout(&again));
    assert_eq!(count(&again, "added"), 0);
    assert_nobody_written_twice(&sandbox);

    // The failures file fixed by hand and imported: its row is journaled as
    // the workbook's row 13, so the workbook's next run skips it too.
    let fixed = failures.replace("9,Unknown Phone,#N/A,", "9,Unknown Phone,9812345670,");
    let mut with_bom = b"\xEF\xBB\xBF".to_vec();
    with_bom.extend(fixed.as_bytes());
    std::fs::write(&failures_path, with_bom).unwrap();
    let fix = import_plain(&sandbox, &failures_path, &[]);
    assert_eq!(count(&fix, "added"), 1, "{}{}", stdout(&fix), stderr(&fix));
    assert!(
        stderr(&fix).contains("holds failed rows of"),
        "{}",
        stderr(&fix)
    );
    assert_eq!(journals_of(&book).len(), 1, "the sheet's journal, no other");
    let last = import_plain(&sandbox, &book, &[]);
    assert_eq!(count(&last, "skipped"), 9, "{}", stdout(&last));
    assert_eq!(count(&last, "added"), 0);
    assert_eq!(sandbox.customers().len(), 9);
    assert_nobody_written_twice(&sandbox);
}

#[test]
fn a_workbook_saved_under_a_csv_name_is_read_as_a_workbook() {
    let dir = workdir("workbook-renamed");
    let renamed = dir.join("customers.csv");
    std::fs::copy(EXAMPLE, &renamed).unwrap();
    let output = kapture()
        .args(["validate", renamed.to_str().unwrap(), "--format", "csv"])
        .output()
        .unwrap();
    let text = stdout(&output);
    assert!(
        text.contains("9 rows, 8 valid, 1 with problems"),
        "{text}{}",
        stderr(&output)
    );
}

#[test]
fn another_sheet_is_chosen_and_a_missing_one_lists_the_sheets() {
    let dir = workdir("workbook-sheets");
    let book = dir.join("customers.xlsx");
    std::fs::copy(EXAMPLE, &book).unwrap();
    let missing = kapture()
        .args(["validate", book.to_str().unwrap(), "--sheet", "Leads"])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        stderr(&missing).contains("no sheet \"Leads\"; the sheets are \"Customers\", \"Notes\""),
        "{}",
        stderr(&missing)
    );
    // The notes sheet names no field: its first row is taken as the header
    // and refused, with the way out.
    let notes = kapture()
        .args(["validate", book.to_str().unwrap(), "--sheet", "2"])
        .output()
        .unwrap();
    assert_eq!(notes.status.code(), Some(2));
    assert!(
        stderr(&notes).contains("matches no documented field"),
        "{}",
        stderr(&notes)
    );
    assert!(stderr(&notes).contains("--map"), "{}", stderr(&notes));
}

#[test]
fn sheet_and_header_row_flags_are_refused_for_a_csv() {
    let dir = workdir("workbook-flags-csv");
    let csv = dir.join("customers.csv");
    write_csv(&csv, 2, &[]);
    let output = kapture()
        .args(["validate", csv.to_str().unwrap(), "--sheet", "1"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("--sheet and --header-row are for workbooks"));
}

#[test]
fn a_column_given_to_ignore_is_skipped() {
    let dir = workdir("workbook-ignore");
    let csv = dir.join("customers.csv");
    std::fs::write(
        &csv,
        "S.No,Full Name,Mobile Number,Region\n1,Asha Rao,9822012345,South\n",
    )
    .unwrap();
    let refused = kapture()
        .args(["validate", csv.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    assert!(
        stderr(&refused).contains("column \"Region\""),
        "{}",
        stderr(&refused)
    );
    let ignored = kapture()
        .args(["validate", csv.to_str().unwrap(), "--ignore", "region"])
        .output()
        .unwrap();
    assert_eq!(ignored.status.code(), Some(0), "{}", stderr(&ignored));
    assert!(
        stdout(&ignored).contains("1 rows, 1 valid"),
        "{}",
        stdout(&ignored)
    );
}

#[test]
fn the_json_summary_counts_every_row_read_as_the_readme_sums_them() {
    let dir = workdir("workbook-json");
    let book = dir.join("customers.xlsx");
    std::fs::copy(EXAMPLE, &book).unwrap();
    let sandbox = sandbox(Faults::default());
    let output = import_plain(&sandbox, &book, &["--output", "json"]);
    let summary: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let n = |key: &str| {
        summary[key]
            .as_u64()
            .unwrap_or_else(|| panic!("{key} in {summary}"))
    };
    let parts = [
        "blank",
        "would_send",
        "added",
        "skipped",
        "failed",
        "duplicate",
        "unknown",
        "not_sent",
    ];
    assert_eq!(
        n("rows"),
        parts.iter().map(|k| n(k)).sum::<u64>(),
        "{summary}"
    );
    assert_eq!(
        (n("rows"), n("blank"), n("added"), n("failed")),
        (10, 1, 8, 1)
    );
    assert_eq!(summary["sheet"]["name"], "Customers");
    assert_eq!(summary["sheet"]["header_row"], 3);
    assert_eq!(
        summary["sheet"]["sheets"],
        serde_json::json!(["Customers", "Notes"])
    );
}
