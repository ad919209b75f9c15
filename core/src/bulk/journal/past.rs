//! What earlier runs of a records journal recorded, by key.

use std::collections::HashMap;
use std::io::BufRead;

use serde_json::{Map, Value};

use crate::journal::State;
use crate::journal::destination::Destination;
use crate::resume::reconcile::Found;
use crate::upsert::UpsertAction;

/// A key's last line.
#[derive(Debug, Clone)]
pub(crate) struct Earlier {
    pub(crate) hash: u64,
    pub(crate) state: State,
    /// What an added record's call did, in an upsert run.
    pub(crate) action: Option<UpsertAction>,
    /// The reply of the call that added it, as it came.
    pub(crate) reply: Option<Map<String, Value>>,
    /// An added record found by a lookup (or a refusal), with no reply.
    pub(crate) found: Option<Found>,
}

#[derive(Debug, Default)]
pub(crate) struct KeyedPast {
    pub(crate) by_key: HashMap<String, Earlier>,
    /// Whether a header line was found, and what it said.
    pub(crate) header: Option<KeyedHeader>,
    /// Lines that did not parse (damaged by a crash or by hand), skipped.
    pub(crate) damaged_lines: u64,
}

#[derive(Debug, Default)]
pub(crate) struct KeyedHeader {
    /// `"records"` for a library run's journal; `None` for `kapture
    /// import`'s (a file's rows).
    pub(crate) kind: Option<String>,
    pub(crate) destination: Option<Destination>,
}

/// Reads a records journal's lines (as bytes, so a damaged line cannot stop
/// the read); the last line of a key is its state.
pub(crate) fn read(reader: impl BufRead) -> std::io::Result<KeyedPast> {
    let mut past = KeyedPast::default();
    crate::journal::each_line(reader, |entry| {
        let Some(Value::Object(mut entry)) = entry else {
            past.damaged_lines += 1;
            return;
        };
        if entry.contains_key("kapture_journal") {
            if past.header.is_none() {
                past.header = Some(KeyedHeader {
                    kind: entry
                        .get("kind")
                        .and_then(Value::as_str)
                        .map(str::to_string),
                    destination: entry.get("crm").and_then(Destination::from_json),
                });
            }
            return;
        }
        let key = entry.get("key").and_then(Value::as_str).map(str::to_string);
        let hash = entry
            .get("hash")
            .and_then(Value::as_str)
            .and_then(|h| u64::from_str_radix(h, 16).ok());
        let state = entry
            .get("state")
            .and_then(Value::as_str)
            .and_then(State::parse);
        let (Some(key), Some(hash), Some(state)) = (key, hash, state) else {
            past.damaged_lines += 1;
            return;
        };
        let action = match entry.get("action").and_then(Value::as_str) {
            Some("updated") => Some(UpsertAction::Updated),
            Some("added") => Some(UpsertAction::Added),
            _ => None,
        };
        let found = Found::from_journal(&entry);
        let reply = match entry.remove("reply") {
            Some(Value::Object(reply)) => Some(reply),
            _ => None,
        };
        past.by_key.insert(
            key,
            Earlier {
                hash,
                state,
                action,
                reply,
                found,
            },
        );
    })?;
    Ok(past)
}
