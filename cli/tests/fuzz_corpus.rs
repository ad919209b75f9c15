//! Replays the committed fuzz corpus of the CLI's targets (and any crash
//! found, under `fuzz/artifacts/`) through the same functions, on stable.

use std::path::Path;

use kapture_crm_cli::fuzzing;
use kapture_crm_cli::rows::Format;

fn replay(target: &str, run: impl Fn(&[u8])) -> usize {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    let mut count = 0;
    for dir in ["corpus", "artifacts"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir).join(target)) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let data = std::fs::read(&path).unwrap();
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(&data)));
            assert!(outcome.is_ok(), "{} panicked", path.display());
            count += 1;
        }
    }
    count
}

#[test]
fn rows_csv_corpus() {
    assert!(replay("rows_csv", |d| fuzzing::rows(d, Format::Csv)) >= 2);
}

#[test]
fn rows_jsonl_corpus() {
    assert!(replay("rows_jsonl", |d| fuzzing::rows(d, Format::Jsonl)) >= 1);
}

#[test]
fn journal_corpus() {
    assert!(replay("journal", fuzzing::journal) >= 1);
}
