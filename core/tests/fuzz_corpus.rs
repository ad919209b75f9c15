//! Replays the committed fuzz corpus (and any crash found, kept under
//! `fuzz/artifacts/`) through the same functions the libFuzzer targets call,
//! on stable, in every test run. The long fuzzing runs are `scripts/fuzz`.

use kapture_crm::fuzzing::{replay_corpus, reply, request_json};

#[test]
fn request_json_corpus() {
    assert!(replay_corpus("request_json", request_json) >= 3);
}

#[test]
fn reply_corpus() {
    assert!(replay_corpus("reply", reply) >= 4);
}
