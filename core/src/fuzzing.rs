//! Entry points of the fuzz targets in `fuzz/` (run by `scripts/fuzz`), also
//! replayed over the committed corpus by `cargo test` on stable. Not API:
//! each takes arbitrary bytes and checks the invariants that must hold for
//! any input (no panic, no token in an error, no control character in an
//! error message).

use serde_json::Value;

use crate::model::AddCustomerRequest;
use crate::response::{RawReply, interpret};
use crate::retry::parse_retry_after;

/// The token the reply target plants in its bodies.
pub const SECRET: &str = "fuzz-secret-token-Zm9v/+";

/// Untyped JSON to a validated request and back to wire bytes; the text
/// path (straight into the typed request when it can) agrees with the
/// untyped one on every input, accepted or not, to the message.
pub fn request_json(data: &[u8]) {
    let Ok(value) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let from_value = AddCustomerRequest::from_json(&value);
    if let Ok(text) = std::str::from_utf8(data) {
        let from_text = AddCustomerRequest::from_json_str(text);
        assert_eq!(
            format!("{from_text:?}"),
            format!("{from_value:?}"),
            "text and untyped paths differ"
        );
    }
    if let Ok(request) = from_value {
        let wire = request.to_wire();
        // The wire writer writes what serde_json writes of the model.
        assert_eq!(
            Some(&wire),
            serde_json::to_vec(&request).ok().as_ref(),
            "wire writer and serde_json differ"
        );
        // What we send parses back to the same request.
        let again = serde_json::from_slice::<Value>(&wire)
            .ok()
            .and_then(|v| AddCustomerRequest::from_json(&v).ok());
        assert_eq!(again.as_ref(), Some(&request), "wire round trip");
    }
}

/// A reply as `STATUS [RETRY-AFTER]` on the first line, the body after it.
fn raw_reply(data: &[u8]) -> RawReply {
    let split = data.iter().position(|b| *b == b'\n').unwrap_or(data.len());
    let head = String::from_utf8_lossy(&data[..split]);
    let body = data.get(split + 1..).unwrap_or_default();
    let mut parts = head.splitn(2, ' ');
    let status = parts
        .next()
        .and_then(|s| s.trim().parse::<u16>().ok())
        .unwrap_or(200);
    let retry_after = parts.next().and_then(parse_retry_after);
    RawReply {
        status,
        retry_after,
        body: body.to_vec(),
    }
}

/// The scrubber holding [`SECRET`].
fn secrets() -> &'static crate::secrets::Secrets {
    static HELD: std::sync::OnceLock<crate::secrets::Secrets> = std::sync::OnceLock::new();
    HELD.get_or_init(|| crate::secrets::Secrets::new().with(SECRET))
}

/// The client's reading of a reply (see [`reply`] for the format), and
/// nothing else: what `core/benches/codec.rs` measures. Whether it was a
/// success.
pub fn read_reply(data: &[u8]) -> bool {
    interpret(&raw_reply(data), secrets()).is_ok()
}

/// A reply: the first line is `STATUS [RETRY-AFTER]`, the rest the body.
pub fn reply(data: &[u8]) {
    let raw = raw_reply(data);
    let body = raw.body.as_slice();
    // The fast read of a reply's status agrees with a full parse.
    assert_eq!(
        crate::fast::status_peek::status_of(body),
        crate::fast::status_peek::by_full_parse(body),
        "the status peek and a full parse differ"
    );
    if let Err(error) = interpret(&raw, secrets()) {
        let text = error.to_string();
        assert!(!text.contains(SECRET), "token in the message");
        assert!(!format!("{error:?}").contains(SECRET), "token in Debug");
        assert!(
            !error.body().unwrap_or_default().contains(SECRET),
            "token in the body"
        );
        assert!(
            !text.chars().any(char::is_control),
            "control character in the message: {text:?}"
        );
    }
}

/// Runs `run` over every file of `fuzz/corpus/<target>` and
/// `fuzz/artifacts/<target>` (crashes found, kept with their fix) in this
/// source tree, panicking with the file's name if one panics; how many ran.
/// The stable replay of the fuzz targets, used by the core's and the CLI's
/// tests.
pub fn replay_corpus(target: &str, run: impl Fn(&[u8])) -> usize {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz");
    let mut count = 0;
    for dir in ["corpus", "artifacts"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir).join(target)) else {
            continue;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let Ok(data) = std::fs::read(&path) else {
                continue;
            };
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run(&data)));
            assert!(outcome.is_ok(), "{} panicked", path.display());
            count += 1;
        }
    }
    count
}
