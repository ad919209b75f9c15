//! Writes the example workbook: `cargo run -p kapture-crm --example
//! make_workbook -- examples/customers.xlsx` (what it holds:
//! `workbook_content.rs`). Then `kapture import examples/customers.xlsx
//! --sandbox` adds each valid row, with no flag. With `--table PATH` it
//! writes the shared row table's workbook instead (`table_workbook.rs`).

#[path = "table_workbook.rs"]
mod table_workbook;
#[path = "workbook_content.rs"]
#[allow(dead_code)] // the tests' half: the rows a reader must find
mod workbook_content;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--big") {
        // The benchmark's workbook: the example's columns, ROWS rows.
        let rows: u32 = args.get(1).and_then(|n| n.parse().ok()).unwrap_or(100_000);
        let out = args.get(2).cloned().unwrap_or_else(|| "big.xlsx".into());
        std::fs::write(&out, workbook_content::big(rows)?)?;
        println!("wrote {out}");
        return Ok(());
    }
    if args.first().map(String::as_str) == Some("--table") {
        let out = args
            .get(1)
            .cloned()
            .unwrap_or_else(|| "tests/rows/table.xlsx".into());
        let table: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string("tests/rows/table.json")?)?;
        let cases = table["workbook_cases"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        std::fs::write(&out, table_workbook::table(&cases)?)?;
        println!("wrote {out}");
        return Ok(());
    }
    let out = args
        .first()
        .cloned()
        .unwrap_or_else(|| "examples/customers.xlsx".into());
    std::fs::write(&out, workbook_content::customers()?)?;
    println!("wrote {out}");
    Ok(())
}
