//! Issue 10, Excel's dialects and the one row mapper: files built here as
//! Excel writes them (BOM, CRLF, semicolons, UTF-16 "Unicode text", latin1),
//! imported by the real binary into the sandbox, and the shared row table
//! (tests/rows/table.json) run through the CLI.

use kapture_crm::parse::without_defaults;
use kapture_crm_sandbox::{Faults, Sandbox};
use serde_json::Value;

mod common;
use common::*;

fn received(sandbox: &Sandbox) -> Vec<Value> {
    let mut customers = sandbox.customers();
    customers.sort_by_key(|c| c.customer_id);
    customers
        .iter()
        .map(|c| without_defaults(&c.request).unwrap_or_default())
        .collect()
}

/// A realistic export of European Excel: BOM, CRLF, semicolons, Excel's
/// headers, day-first dates, no-break spaces, a blank row.
#[test]
fn an_excel_export_with_semicolons_bom_and_crlf_imports_as_meant() {
    let dir = workdir("excel-semicolon");
    let sandbox = sandbox(Faults::default());
    let csv = dir.join("export.csv");
    let text = "\u{feff}Customer Name;Mobile No;E-mail;City;Date of Birth;Remarks\r\n\
                Asha Rao;98450 12345;asha@example.com\u{a0};Pune;28/02/1990;likes \"tea\"; really\r\n\
                ;;;;;\r\n\
                Ravi Kumar;9845012346;;Goa;01/12/1985;\r\n";
    // The second row's remarks hold the delimiter: quoted, as Excel does.
    let text = text.replace("likes \"tea\"; really", "\"likes \"\"tea\"\"; really\"");
    std::fs::write(&csv, text).unwrap();
    let out = import_plain(&sandbox, &csv, &["--date-format", "%d/%m/%Y"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert_eq!(count(&out, "added"), 2);
    assert_eq!(count(&out, "blank"), 1);
    let mut got = received(&sandbox);
    got.sort_by_key(|r| {
        r["customer_info"]["customer_name"]
            .as_str()
            .map(str::to_string)
    });
    assert_eq!(
        got[0],
        serde_json::json!({
            "customer_info": {"customer_name": "Asha Rao", "phone": "98450 12345",
                              "email_id": "asha@example.com", "city": "Pune",
                              "remarks": "likes \"tea\"; really"},
            "contact_info": [{"dob": "1990-02-28", "contact_person_phone": "98450 12345",
                              "contact_person_email": "asha@example.com"}]
        })
    );
    assert_eq!(got[1]["contact_info"][0]["dob"], "1985-12-01");
}

/// Excel's "Unicode text": UTF-16LE with a BOM, tab-delimited, CRLF. A bad
/// row's failures file is written the same way, with `row` and `error`.
#[test]
fn utf16_unicode_text_is_decoded_and_its_failures_file_matches_it() {
    let dir = workdir("excel-utf16");
    let sandbox = sandbox(Faults::default());
    let file = dir.join("export.txt");
    let text = "Customer Name\tMobile No\tCity\r\n\
                Zoë Fernandes\t9845012345\tPanjim\r\n\
                Bad Phone\t12345\tPune\r\n";
    let mut bytes = vec![0xff, 0xfe];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    std::fs::write(&file, bytes).unwrap();
    let out = import_plain(&sandbox, &file, &[]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert_eq!(count(&out, "added"), 1);
    assert_eq!(
        received(&sandbox)[0]["customer_info"]["customer_name"],
        "Zoë Fernandes"
    );

    let failed = std::fs::read(dir.join("export.failed.csv")).unwrap();
    assert_eq!(&failed[..2], &[0xff, 0xfe], "the BOM is kept");
    let units: Vec<u16> = failed[2..]
        .chunks(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    let failed = String::from_utf16(&units).unwrap();
    let lines: Vec<&str> = failed.split("\r\n").collect();
    assert_eq!(lines[0], "Customer Name\tMobile No\tCity\trow\terror");
    assert!(
        lines[1].starts_with("Bad Phone\t12345\tPune\t2\t"),
        "{failed}"
    );
}

/// The failures file keeps a UTF-8 input's BOM, CRLF and semicolons, and
/// imports again once fixed (its `row` and `error` columns are not data).
#[test]
fn the_failures_file_keeps_the_dialect_and_imports_again() {
    let dir = workdir("excel-failures");
    let sandbox = sandbox(Faults::default());
    let csv = dir.join("c.csv");
    std::fs::write(
        &csv,
        "\u{feff}Name;Phone;City\r\nAsha;9845012345;Pune\r\nBad;12345;Goa, North\r\n",
    )
    .unwrap();
    let out = import_plain(&sandbox, &csv, &[]);
    assert_eq!(count(&out, "failed"), 1);
    let failures_path = dir.join("c.failed.csv");
    let failed = std::fs::read_to_string(&failures_path).unwrap();
    assert!(
        failed.starts_with("\u{feff}Name;Phone;City;row;error\r\n"),
        "{failed:?}"
    );
    assert!(failed.contains("\r\nBad;12345;Goa, North;2;"), "{failed:?}");
    assert!(failed.ends_with("\r\n"), "{failed:?}");

    let fixed = dir.join("fixed.csv");
    std::fs::write(&fixed, failed.replace(";12345;", ";9845012399;")).unwrap();
    let out = import_plain(&sandbox, &fixed, &[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert_eq!(count(&out, "added"), 1);
    assert_eq!(received(&sandbox)[1]["customer_info"]["city"], "Goa, North");
}

/// Another encoding without a BOM is refused before sending, with the
/// hint; named with --encoding it is decoded.
#[test]
fn a_latin1_file_is_refused_with_a_hint_then_read_with_encoding() {
    let dir = workdir("excel-latin1");
    let sandbox = sandbox(Faults::default());
    let csv = dir.join("c.csv");
    std::fs::write(
        &csv,
        b"Name,Stra\xdfe,Phone\nJos\xe9,Hauptstra\xdfe 1,9845012345\n",
    )
    .unwrap();
    let out = import_plain(&sandbox, &csv, &["--map", "Stra\u{df}e=address"]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("--encoding latin1"),
        "{}",
        stderr(&out)
    );
    assert_eq!(sandbox.stats().add_update_requests, 0);

    let out = import_plain(
        &sandbox,
        &csv,
        &["--encoding", "latin1", "--map", "Stra\u{df}e=address"],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    let got = received(&sandbox);
    assert_eq!(got[0]["customer_info"]["customer_name"], "José");
    assert_eq!(got[0]["customer_info"]["address"], "Hauptstraße 1");

    // UTF-16 without a BOM (NUL bytes) is refused too.
    let utf16 = dir.join("nobom.csv");
    let bytes: Vec<u8> = "Name,Phone\nA,9845012345\n"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    std::fs::write(&utf16, bytes).unwrap();
    let out = import_plain(&sandbox, &utf16, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("UTF-16"), "{}", stderr(&out));
}

/// `--delimiter` forces one (a pipe here); a semicolon file is detected.
#[test]
fn delimiters_are_detected_or_forced() {
    let dir = workdir("excel-delimiter");
    let sandbox = sandbox(Faults::default());
    let piped = dir.join("p.csv");
    std::fs::write(&piped, "Name|Phone|Remarks\nAsha|9845012345|a, b; c\n").unwrap();
    let out = import_plain(&sandbox, &piped, &["--delimiter", "|"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert_eq!(received(&sandbox)[0]["customer_info"]["remarks"], "a, b; c");
    let out = import_plain(&sandbox, &piped, &["--delimiter", "ab"]);
    assert_eq!(out.status.code(), Some(2));
}

/// `--map 'Born=dob'` points at contact_info.0.dob; a date that does not
/// fit --date-format names the row, the column and the format.
#[test]
fn map_to_a_contact_field_and_dates_that_do_not_fit() {
    let dir = workdir("excel-dates");
    let sandbox = sandbox(Faults::default());
    let csv = dir.join("c.csv");
    std::fs::write(
        &csv,
        "Name,Phone,Born\nAsha,9845012345,28/02/1990\nRavi,9845012346,31/02/1990\n",
    )
    .unwrap();
    let out = import_plain(
        &sandbox,
        &csv,
        &["--map", "Born=dob", "--date-format", "%d/%m/%Y"],
    );
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert_eq!(
        received(&sandbox)[0]["contact_info"][0]["dob"],
        "1990-02-28"
    );
    let failed = std::fs::read_to_string(dir.join("c.failed.csv")).unwrap();
    assert!(
        failed.contains(
            "Ravi,9845012346,31/02/1990,2,\"contact_info[0].dob: \"\"31/02/1990\"\" in column \
             \"\"Born\"\" is not a date of the format %d/%m/%Y\""
        ),
        "{failed}"
    );
}

/// Duplicates compare phones by their national number; what is sent is
/// what the file holds.
#[test]
fn duplicates_compare_national_numbers() {
    let dir = workdir("excel-national");
    let sandbox = sandbox(Faults::default());
    let csv = dir.join("c.csv");
    std::fs::write(
        &csv,
        "Name,Phone\nAsha,+91 98450 12345\nAsha R,098450 12345\nA Rao,9845012345\nOther,+1 98450 12345\n",
    )
    .unwrap();
    let out = import_plain(&sandbox, &csv, &[]);
    assert_eq!(count(&out, "added"), 2, "{}", stdout(&out));
    assert_eq!(count(&out, "duplicate"), 2);
    let mut phones: Vec<String> = received(&sandbox)
        .iter()
        .map(|r| r["customer_info"]["phone"].as_str().unwrap().to_string())
        .collect();
    phones.sort();
    assert_eq!(phones, ["+1 98450 12345", "+91 98450 12345"]);
    let failed = std::fs::read_to_string(dir.join("c.failed.csv")).unwrap();
    assert!(
        failed.contains("duplicate of row 1 (same phone)"),
        "{failed}"
    );

    // With country code 1, +91 is a foreign number and +1 the local one:
    // rows 1 and 2 differ, rows 3 and 4 repeat row 2.
    let again_dir = workdir("excel-national-1");
    let again = again_dir.join("c.csv");
    std::fs::copy(&csv, &again).unwrap();
    let out = import_plain(&sandbox, &again, &["--country-code", "+1"]);
    assert_eq!(count(&out, "duplicate"), 2, "{}", stdout(&out));
    let failed = std::fs::read_to_string(again.with_file_name("c.failed.csv")).unwrap();
    assert!(!failed.contains("duplicate of row 1"), "{failed}");
    assert!(
        failed.contains("9845012345,3,duplicate of row 2 (same phone)"),
        "{failed}"
    );
    assert!(
        stderr(&import_plain(&sandbox, &again, &["--country-code", "x1"]))
            .contains("--country-code")
    );
}

/// The shared row table, through `kapture import` (cells as text, as a
/// CSV holds them) and `kapture validate` for the rows that must fail.
#[test]
fn the_shared_row_table_maps_as_in_every_language() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/rows/table.json");
    let table: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let dir = workdir("row-table");
    let mut checked = 0;
    for (i, case) in table["cases"].as_array().unwrap().iter().enumerate() {
        if case["typed"] == true {
            continue; // numbers a CSV cannot hold apart from text
        }
        let name = case["name"].as_str().unwrap();
        let row = case["row"].as_array().unwrap();
        let mut writer = csv::Writer::from_writer(Vec::new());
        writer
            .write_record(row.iter().map(|pair| pair[0].as_str().unwrap()))
            .unwrap();
        writer
            .write_record(row.iter().map(|pair| pair[1].as_str().unwrap_or("")))
            .unwrap();
        let file = dir.join(format!("case{i}.csv"));
        std::fs::write(&file, writer.into_inner().unwrap()).unwrap();
        let mut extra: Vec<String> = Vec::new();
        let formats = match &case["options"]["date_format"] {
            Value::String(format) => vec![format.clone()],
            Value::Array(formats) => formats
                .iter()
                .filter_map(|f| f.as_str().map(str::to_string))
                .collect(),
            _ => Vec::new(),
        };
        for format in formats {
            extra.extend(["--date-format".into(), format]);
        }
        if let Some(columns) = case["options"]["columns"].as_object() {
            for (from, to) in columns {
                extra.extend(["--map".into(), format!("{from}={}", to.as_str().unwrap())]);
            }
        }
        let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
        if let Some(expected) = case.get("request") {
            let sandbox = sandbox(Faults::default());
            let out = import_plain(&sandbox, &file, &extra);
            assert_eq!(
                out.status.code(),
                Some(0),
                "{name}: {}{}",
                stdout(&out),
                stderr(&out)
            );
            assert_eq!(received(&sandbox)[0], *expected, "{name}");
        } else {
            let out = kapture()
                .args(["validate", file.to_str().unwrap()])
                .args(&extra)
                .output()
                .unwrap();
            assert_ne!(out.status.code(), Some(0), "{name}");
            let said = format!("{}{}", stdout(&out), stderr(&out));
            for wanted in case["errors"].as_array().unwrap() {
                let (path, piece) = (
                    wanted["path"].as_str().unwrap(),
                    wanted["contains"].as_str().unwrap(),
                );
                // The CLI names the option by its flag.
                let path = if path == "date_format" {
                    "--date-format"
                } else {
                    path
                };
                assert!(
                    said.contains(path) && said.contains(piece),
                    "{name}: {said}"
                );
            }
        }
        checked += 1;
    }
    assert!(checked >= 10, "{checked}");
}

/// The shipped example of an Excel export imports whole.
#[test]
fn the_excel_export_example_imports_whole() {
    let dir = workdir("excel-example");
    let sandbox = sandbox(Faults::default());
    let csv = dir.join("excel_export.csv");
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/excel_export.csv"),
        &csv,
    )
    .unwrap();
    let out = import_plain(&sandbox, &csv, &["--date-format", "%d/%m/%Y"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert_eq!(count(&out, "added"), 9);
    assert_eq!(count(&out, "blank"), 1);
    let got = received(&sandbox);
    let meena = got
        .iter()
        .find(|r| r["customer_info"]["customer_name"] == "Meena Iyer")
        .expect("the no-break space is trimmed");
    assert_eq!(meena["customer_info"]["email_id"], "meena.iyer@example.com");
    assert_eq!(meena["enquiry_info"]["next_follow_up_date"], "2026-03-15");
    assert_eq!(meena["customer_info"]["phone"], "09845012347");
}
