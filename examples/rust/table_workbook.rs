//! The workbook of the shared row table's workbook cases
//! (`tests/rows/table.json`, `workbook_cases`): one sheet per case, its
//! header in row 1 and its row in row 2, each cell of the type the case
//! says. Built by `examples/rust/make_workbook.rs --table`; the core's,
//! Python's and Node's tests read `tests/rows/table.xlsx`.

use rust_xlsxwriter::{ExcelDateTime, Format, Formula, Workbook, Worksheet, XlsxError};
use serde_json::Value;

/// The workbook's bytes for the table's `workbook_cases`.
pub fn table(cases: &[Value]) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let date = Format::new().set_num_format("dd/mm/yyyy");
    let date_time = Format::new().set_num_format("dd/mm/yyyy hh:mm");
    for case in cases {
        let sheet = book.add_worksheet();
        sheet.set_name(case["sheet"].as_str().unwrap_or("case"))?;
        let cells = case["cells"].as_array().cloned().unwrap_or_default();
        for (col, pair) in cells.iter().enumerate() {
            let col = col as u16;
            sheet.write_string(0, col, pair[0].as_str().unwrap_or_default())?;
            write(sheet, col, &pair[1], &date, &date_time)?;
        }
    }
    book.save_to_buffer()
}

fn write(
    sheet: &mut Worksheet,
    col: u16,
    cell: &Value,
    date: &Format,
    date_time: &Format,
) -> Result<(), XlsxError> {
    let parts = |text: &str| -> Vec<u16> {
        text.split(['-', ' ', ':'])
            .filter_map(|p| p.parse().ok())
            .collect()
    };
    match cell {
        Value::Null => {}
        Value::String(text) => {
            sheet.write_string(1, col, text)?;
        }
        Value::Number(n) => {
            sheet.write_number(1, col, n.as_f64().unwrap_or_default())?;
        }
        Value::Bool(b) => {
            sheet.write_boolean(1, col, *b)?;
        }
        Value::Object(map) => {
            if let Some(Value::String(d)) = map.get("date") {
                let p = parts(d);
                let value = ExcelDateTime::from_ymd(p[0], p[1] as u8, p[2] as u8)?;
                sheet.write_datetime_with_format(1, col, value, date)?;
            } else if let Some(Value::String(d)) = map.get("datetime") {
                let p = parts(d);
                let value = ExcelDateTime::from_ymd(p[0], p[1] as u8, p[2] as u8)?.and_hms(
                    p[3],
                    p[4] as u8,
                    p[5] as f64,
                )?;
                sheet.write_datetime_with_format(1, col, value, date_time)?;
            } else if let Some(Value::String(error)) = map.get("error") {
                sheet.write_formula(1, col, Formula::new("=NA()").set_result(error.as_str()))?;
            } else if let Some(Value::String(formula)) = map.get("formula") {
                let cached = match map.get("value") {
                    Some(Value::String(text)) => text.clone(),
                    Some(other) => other.to_string(),
                    None => String::new(),
                };
                sheet.write_formula(1, col, Formula::new(formula.as_str()).set_result(cached))?;
            }
        }
        Value::Array(_) => {}
    }
    Ok(())
}
