//! A workbook as an operations team keeps one (`examples/rust/workbook_content.rs`)
//! read by the core's reader: header found below the title, serial numbers
//! skipped, numbers as digits, dates as dates, a formula by its value, the
//! `#N/A` cell failing its row alone, spacer and cleared rows blank, and the
//! workbook's own row numbers.

#[path = "../../examples/rust/workbook_content.rs"]
#[allow(dead_code)] // `big` is the benchmark's
mod workbook_content;

use kapture_crm::rows::RowOptions;
use kapture_crm::rows::dialect::Dialect;
use kapture_crm::rows::file::{Format, Rows};
use kapture_crm::rows::scan::scan;
use kapture_crm::rows::workbook::Sheet;

fn written(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("kapture-workbook-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, workbook_content::customers().unwrap()).unwrap();
    path
}

fn rows(path: &std::path::Path, options: &RowOptions) -> Rows {
    Rows::open(path, Format::Workbook, &Dialect::default(), options).unwrap()
}

#[test]
fn the_example_workbook_reads_as_its_rows_with_no_option() {
    let path = written("customers.xlsx");
    let mut rows = rows(&path, &RowOptions::default());
    let read = rows.sheet.clone().unwrap();
    assert_eq!(read.name, "Customers");
    assert_eq!(read.header_row, u64::from(workbook_content::HEADER_ROW));
    assert!(read.description.contains("1 of 2"), "{}", read.description);
    assert!(
        read.description.contains("\"Notes\""),
        "{}",
        read.description
    );
    let all: Vec<_> = rows.by_ref().map(Result::unwrap).collect();
    let numbers: Vec<u64> = all.iter().map(|r| r.number).collect();
    let expected: Vec<u64> = workbook_content::data_row_numbers()
        .into_iter()
        .map(u64::from)
        .collect();
    assert_eq!(numbers, expected);
    // The spacer row; the rows cleared at the end hold no value, so the
    // sheet's used range ends above them: they are not rows at all.
    assert_eq!(rows.blank, 1);
    for (row, customer) in all.iter().zip(workbook_content::CUSTOMERS) {
        let request = row.request.as_ref().unwrap();
        let (name, phone, email, pincode, (y, m, d), (fy, fm, fd, fh, fmin)) = customer;
        assert_eq!(request.customer_info.customer_name, name);
        assert_eq!(
            request.customer_info.phone,
            phone.to_string(),
            "never 9822012345.0"
        );
        assert_eq!(request.customer_info.email_id, email);
        assert_eq!(request.customer_info.pincode, pincode.to_string());
        let wire: serde_json::Value = serde_json::from_slice(&request.to_wire()).unwrap();
        assert_eq!(
            wire["contact_info"][0]["dob"],
            format!("{y:04}-{m:02}-{d:02}")
        );
        assert_eq!(
            wire["enquiry_info"]["next_follow_up_date"],
            format!("{fy:04}-{fm:02}-{fd:02} {fh:02}:{fmin:02}:00")
        );
        // The serial number is not data: no field holds it.
        assert!(!wire.to_string().contains("\"Sr No\""));
    }
    let failed = all.last().unwrap();
    let error = failed.request.as_ref().unwrap_err().to_string();
    let cell = format!("C{}", failed.number);
    assert!(
        error.contains(&format!("cell {cell} holds the error #N/A")),
        "{error}"
    );
    assert_eq!(failed.cells[2], "#N/A");
}

#[test]
fn the_committed_example_workbook_is_the_one_the_script_makes() {
    let committed = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/customers.xlsx");
    let fresh = written("fresh.xlsx");
    let texts = |path: &std::path::Path| -> Vec<(u64, Vec<String>)> {
        rows(path, &RowOptions::default())
            .map(|r| r.map(|r| (r.number, r.cells)).unwrap())
            .collect()
    };
    assert_eq!(
        texts(std::path::Path::new(committed)),
        texts(&fresh),
        "examples/customers.xlsx is stale: cargo run -p kapture-crm --example make_workbook"
    );
}

#[test]
fn a_scan_numbers_and_hashes_a_sheets_rows_as_the_rows_do() {
    let path = written("scan.xlsx");
    let scanned = scan(
        &path,
        "scan.xlsx",
        Format::Workbook,
        &Dialect::default(),
        &RowOptions::default(),
    )
    .unwrap();
    assert_eq!(scanned.sheet.as_deref(), Some("Customers"));
    assert_eq!(scanned.header_row, u64::from(workbook_content::HEADER_ROW));
    assert_eq!(scanned.headers[1], "Full Name");
    let all: Vec<_> = rows(&path, &RowOptions::default())
        .map(Result::unwrap)
        .collect();
    for row in &all {
        assert_eq!(
            scanned.hashes[row.number as usize - 1],
            Some(row.hash),
            "row {}",
            row.number
        );
    }
    assert_eq!(scanned.hashes.iter().flatten().count(), all.len());
    assert_eq!(scanned.first(), all.first().map(|r| r.hash));
}

#[test]
fn another_sheet_is_chosen_by_name_or_number_and_a_wrong_one_lists_the_sheets() {
    let path = written("sheets.xlsx");
    let sheet = Sheet::open(&path, Some("2")).unwrap();
    assert_eq!(sheet.name, "Notes");
    let err = Sheet::open(&path, Some("Leads")).unwrap_err();
    assert!(
        err.contains("no sheet \"Leads\"; the sheets are \"Customers\", \"Notes\""),
        "{err}"
    );
}

#[test]
fn a_header_row_given_is_used_as_it_is() {
    let path = written("forced.xlsx");
    let options = RowOptions {
        header_row: Some(1),
        ..RowOptions::default()
    };
    // Row 1 is the title: its one cell names no field, and says so.
    let err = Rows::open(&path, Format::Workbook, &Dialect::default(), &options)
        .err()
        .unwrap();
    assert!(
        err.contains("column \"Customers to call back, December 2026\""),
        "{err}"
    );
    let options = RowOptions {
        header_row: Some(99),
        ..RowOptions::default()
    };
    let err = Rows::open(&path, Format::Workbook, &Dialect::default(), &options)
        .err()
        .unwrap();
    assert!(err.contains("header row 99"), "{err}");
}

#[test]
fn a_workbook_under_another_name_is_read_as_one() {
    let path = written("customers.csv");
    assert_eq!(
        Format::of_file(&path, Some(Format::Csv)),
        Some(Format::Workbook)
    );
}
