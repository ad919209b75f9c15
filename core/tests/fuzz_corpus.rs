//! Replays the committed fuzz corpus (and any crash found, kept under
//! `fuzz/artifacts/`) through the same functions the libFuzzer targets call,
//! on stable, in every test run. The long fuzzing runs are `scripts/fuzz`.

use std::path::Path;

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
fn request_json_corpus() {
    assert!(replay("request_json", kapture_crm::fuzzing::request_json) >= 3);
}

#[test]
fn reply_corpus() {
    assert!(replay("reply", kapture_crm::fuzzing::reply) >= 4);
}
