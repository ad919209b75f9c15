//! Replays the committed fuzz corpus of the CLI's targets (and any crash
//! found, under `fuzz/artifacts/`) through the same functions, on stable.

use kapture_crm::fuzzing::replay_corpus;
use kapture_crm_cli::fuzzing;
use kapture_crm_cli::rows::Format;

#[test]
fn rows_csv_corpus() {
    assert!(replay_corpus("rows_csv", |d| fuzzing::rows(d, Format::Csv)) >= 2);
}

#[test]
fn rows_jsonl_corpus() {
    assert!(replay_corpus("rows_jsonl", |d| fuzzing::rows(d, Format::Jsonl)) >= 1);
}

#[test]
fn journal_corpus() {
    assert!(replay_corpus("journal", fuzzing::journal) >= 1);
}
