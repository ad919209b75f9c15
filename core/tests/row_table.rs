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

#[test]
fn every_row_of_the_shared_table_maps_as_expected() {
    let cases = table();
    assert!(cases.len() >= 10);
    for case in cases {
        let name = case["name"].as_str().unwrap_or_default();
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
        let result = from_row(row, &options(&case));
        if let Some(expected) = case.get("request") {
            let request = result.unwrap_or_else(|e| panic!("{name}: {e}"));
            let actual = without_defaults(&serde_json::to_value(request).expect("serializes"));
            assert_eq!(actual.as_ref(), Some(expected), "{name}");
        } else {
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
