//! Fast paths, each beside the reference it must equal. A fast path does
//! what a general one does with less work, on the path of every call; a
//! test (and a fuzz target) holds each to its reference:
//!
//! | fast path | reference | held equal by |
//! |---|---|---|
//! | [`wire`]: a request's bytes, field by field | `serde_json::to_vec` of the model | `wire.rs`'s tests; fuzz target `request_json` |
//! | [`status_peek`]: a reply's status, no tree built | [`status_peek::by_full_parse`] | `status_peek.rs`'s tests; `fuzzing::reply`, fuzz target `reply` |
//! | [`maps_only`]: JSON text read straight into the typed request | the untyped parser, `parse::request_from_json` | `core/tests/validation.rs` (`from_json_str` and the untyped path agree) |
//!
//! The Python binding pairs the same way: `typed.rs` (a dict read straight
//! into the typed request; reference: `convert.rs`'s untyped path, held by
//! `tests/test_typed_fast_path.py`) and `reply.rs` (a reply's text into
//! Python objects; reference: `json.loads`, held by `tests/test_wire.py`).

pub(crate) mod maps_only;
pub(crate) mod status_peek;
mod wire;
