//! The shared row table (tests/rows/table.json), through the core's row
//! mapper: the CLI, Python and Node run the same table.

use kapture_crm::Error;
use kapture_crm::parse::without_defaults;
use kapture_crm::rows::{Cell, RowOptions, from_row};
use serde_json::Value;

fn table() -> Vec<Value> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/rows/table.json");
    let text = std::fs::read_to_string(path).expect("the shared row table");
    let table: Value = serde_json::from_str(&text).expect("valid JSON");
    table["cases"].as_array().expect("cases").clone()
}

fn options(case: &Value) -> RowOptions {
    // The bindings' one options rule reads the table's options too.
    RowOptions::from_json(&case["options"]).unwrap()
}

/// A case's `request` (less the vendor's defaults), or each of its
/// `errors` (a path and a piece of its message).
fn expect(case: &Value, result: Result<kapture_crm::AddCustomerRequest, Error>) {
    let name = case["name"].as_str().unwrap_or_default();
    if let Some(expected) = case.get("request") {
        let request = result.unwrap_or_else(|e| panic!("{name}: {e}"));
        let actual = without_defaults(&serde_json::to_value(request).expect("serializes"));
        assert_eq!(actual.as_ref(), Some(expected), "{name}");
        return;
    }
    let Err(Error::Validation(problems)) = result else {
        panic!("{name}: expected a validation error, got {result:?}");
    };
    for wanted in case["errors"].as_array().expect("errors") {
        let (path, piece) = (
            wanted["path"].as_str().unwrap(),
            wanted["contains"].as_str().unwrap(),
        );
        assert!(
            problems
                .iter()
                .any(|p| p.path == path && p.message.contains(piece)),
            "{name}: no problem at {path:?} containing {piece:?} in {problems:?}"
        );
    }
}

#[test]
fn every_row_of_the_shared_table_maps_as_expected() {
    let cases = table();
    assert!(cases.len() >= 10);
    for case in cases {
        let row: Vec<(String, Cell)> = case["row"]
            .as_array()
            .expect("row")
            .iter()
            .map(|pair| {
                (
                    pair[0].as_str().expect("header").to_string(),
                    Cell::Json(pair[1].clone()),
                )
            })
            .collect();
        expect(&case, from_row(row, &options(&case)));
    }
}

/// A bulk run's record as JSON text (Node's records) reads as its parsed
/// value does: the typed fast path for vendor-shaped text must never take a
/// flat row for a request, nor say anything the untyped path would not.
#[test]
fn a_record_as_text_reads_as_its_parsed_value() {
    let vendor = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/vendor_request.json"
    ))
    .expect("the vendor's example");
    let mut texts = vec![
        vendor,
        "{}".to_string(),
        "[]".to_string(),
        r#"{"customer_info": {"customer_name": "A", "phone": "9380491387"}}"#.into(),
        r#"{"customer_info": {"customer_name": "A", "phone": 9380491387}}"#.into(),
        r#"{"customer_info": {"customer_name": "", "phone": "1"}, "Mobile No": "9380491387"}"#
            .into(),
        r#"{"Customer Name": "Asha Rao", "Mobile No": "9380491387"}"#.into(),
        r#"{"Customer Name": "Asha Rao"}"#.into(),
    ];
    for case in table() {
        let row: serde_json::Map<String, Value> = case["row"]
            .as_array()
            .expect("row")
            .iter()
            .map(|pair| {
                (
                    pair[0].as_str().expect("header").to_string(),
                    pair[1].clone(),
                )
            })
            .collect();
        texts.push(Value::Object(row).to_string());
    }
    let records = kapture_crm::rows::Records::new(RowOptions::default()).expect("options");
    for text in texts {
        let value: Value = serde_json::from_str(&text).expect("valid JSON");
        assert_eq!(
            format!("{:?}", records.json_text(&text)),
            format!("{:?}", records.json(value)),
            "{text}"
        );
    }
}

#[path = "../../examples/rust/table_workbook.rs"]
mod table_workbook;

const TABLE_XLSX: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/rows/table.xlsx");

fn workbook_cases() -> Vec<Value> {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/rows/table.json");
    let table: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    table["workbook_cases"]
        .as_array()
        .expect("workbook_cases")
        .clone()
}

/// Each sheet's cells as text: what the committed workbook and a fresh one
/// must agree on.
fn sheet_texts(path: &std::path::Path, sheet: &str) -> Vec<Vec<String>> {
    let sheet = kapture_crm::rows::workbook::Sheet::open(path, Some(sheet)).unwrap();
    sheet
        .rows()
        .map(|(_, cells)| cells.iter().map(|c| c.text()).collect())
        .collect()
}

#[test]
fn the_committed_table_workbook_is_the_one_its_cases_make() {
    let cases = workbook_cases();
    let fresh = std::env::temp_dir().join(format!("kapture-table-{}.xlsx", std::process::id()));
    std::fs::write(&fresh, table_workbook::table(&cases).unwrap()).unwrap();
    for case in &cases {
        let sheet = case["sheet"].as_str().unwrap();
        assert_eq!(
            sheet_texts(std::path::Path::new(TABLE_XLSX), sheet),
            sheet_texts(&fresh, sheet),
            "tests/rows/table.xlsx is stale: cargo run -p kapture-crm --example make_workbook -- --table"
        );
    }
    let _ = std::fs::remove_file(fresh);
}

#[test]
fn every_workbook_case_reads_and_maps_as_expected() {
    use kapture_crm::rows::dialect::Dialect;
    use kapture_crm::rows::file::{Format, Rows};
    let cases = workbook_cases();
    assert!(cases.len() >= 5);
    for case in cases {
        let name = case["name"].as_str().unwrap_or_default();
        let options = RowOptions {
            sheet: case["sheet"].as_str().map(str::to_string),
            header_row: Some(1),
            ..options(&case)
        };
        let mut rows = Rows::open(
            std::path::Path::new(TABLE_XLSX),
            Format::Workbook,
            &Dialect::default(),
            &options,
        )
        .unwrap_or_else(|e| panic!("{name}: {e}"));
        let row = rows.next().expect("one row").expect("read");
        assert_eq!(row.number, 2, "{name}");
        expect(&case, row.request);
    }
}
