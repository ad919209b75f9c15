//! Criterion micro-benchmarks of the core's per-call work without I/O
//! (step 11), on the vendor's example body and success reply:
//!
//! - `micro-from-value`: an untyped `serde_json::Value` (what
//!   `add_customer_json` takes) -> the validated request -> its wire bytes;
//! - `micro-request`: the same from the JSON text, parsing included;
//! - `micro-reply`: a success reply's bytes -> the parsed reply, as the
//!   client reads every reply.
//!
//! `bash bench/run` runs them (`cargo bench -p kapture-crm --bench codec`)
//! and reports each mean as its `rust/micro-*` row.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use kapture_crm::AddCustomerRequest;
use serde_json::Value;

const BODY: &str = include_str!("../../tests/fixtures/vendor_request.json");
const REPLY: &str = include_str!("../../tests/fixtures/vendor_response.json");

/// The request's wire bytes, or nothing when it does not validate (the
/// vendor's example always does; `codec` checks it once).
fn wire(request: Option<AddCustomerRequest>) -> usize {
    request.map_or(0, |r| r.to_wire().len())
}

fn codec(c: &mut Criterion) {
    let value: Value = serde_json::from_str(BODY).unwrap_or_default();
    // A benchmark of a request that fails validation would measure the
    // wrong path: refuse to report it.
    assert!(
        wire(AddCustomerRequest::from_json(&value).ok()) > 0,
        "the vendor's example body no longer validates"
    );
    c.bench_function("micro-from-value", |b| {
        b.iter(|| wire(AddCustomerRequest::from_json(black_box(&value)).ok()))
    });
    c.bench_function("micro-request", |b| {
        b.iter(|| wire(AddCustomerRequest::from_json_str(black_box(BODY)).ok()))
    });
    // `fuzzing::read_reply` reads `STATUS\nBODY` as the client reads a reply.
    let reply = format!("200\n{REPLY}");
    assert!(
        kapture_crm::fuzzing::read_reply(reply.as_bytes()),
        "the vendor's example reply no longer reads as a success"
    );
    c.bench_function("micro-reply", |b| {
        b.iter(|| kapture_crm::fuzzing::read_reply(black_box(reply.as_bytes())))
    });
}

criterion_group!(benches, codec);
criterion_main!(benches);
