//! Writes the example workbook: `cargo run -p kapture-crm --example
//! make_workbook -- examples/customers.xlsx` (what it holds:
//! `workbook_content.rs`). Then `kapture import examples/customers.xlsx
//! --sandbox` adds each valid row, with no flag.

#[path = "workbook_content.rs"]
#[allow(dead_code)] // the tests' half: the rows a reader must find
mod workbook_content;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "examples/customers.xlsx".into());
    std::fs::write(&out, workbook_content::customers()?)?;
    println!("wrote {out}");
    Ok(())
}
