//! `kapture validate FILE`: every problem of every row, nothing sent.

use kapture_crm::Error;
use serde_json::json;

use crate::args::ValidateArgs;
use crate::commands::input::input;
use crate::output::{ExitStatus, Output, fail_as, print_json};
use crate::rows;

pub async fn validate(args: ValidateArgs) -> ExitStatus {
    let output = args.output.output;
    let args = args.file;
    let (format, dialect, options) = match input(&args) {
        Ok(x) => x,
        Err(e) => return fail_as(output, &e),
    };
    let rows = match rows::Rows::open(&args.file, format, &dialect, &options) {
        Ok(rows) => rows,
        Err(e) => return fail_as(output, &e),
    };
    if rows::count_rows(&args.file, format, &dialect, &options) == Some(0) {
        return fail_as(
            output,
            &format!(
                "{}: no rows to check (the file is empty or holds only a header)",
                args.file.display()
            ),
        );
    }
    let (mut total, mut bad) = (0u64, 0u64);
    let mut problems_json = Vec::new();
    for row in rows {
        let row = match row {
            Ok(row) => row,
            Err(e) => return fail_as(output, &e),
        };
        total += 1;
        let problems: Vec<(String, String)> = match row.request {
            Ok(_) => continue,
            Err(Error::Validation(problems)) => problems
                .iter()
                .map(|p| (p.path.clone(), p.message.clone()))
                .collect(),
            Err(other) => vec![(String::new(), other.to_string())],
        };
        bad += 1;
        for (path, message) in problems {
            match output {
                Output::Text if path.is_empty() => println!("row {}: {message}", row.number),
                Output::Text => println!("row {}: {path}: {message}", row.number),
                Output::Json => problems_json.push(json!({
                    "row": row.number, "path": path, "message": message,
                })),
            }
        }
    }
    match output {
        Output::Text => println!("{total} rows, {} valid, {bad} with problems", total - bad),
        Output::Json => print_json(&json!({
            "rows": total,
            "valid": total - bad,
            "invalid": bad,
            "problems": problems_json,
        })),
    }
    if bad == 0 {
        ExitStatus::Done
    } else {
        ExitStatus::Failed
    }
}
