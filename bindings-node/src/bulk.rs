//! `NativeBulk`: a bulk run of the core (`kapture_crm::bulk::Run`), fed
//! from JavaScript. The core owns the channels, the indexes and the ledger
//! of outcomes owed; this file converts records in and outcomes out.

use std::sync::Arc;

use kapture_crm::Client;
use kapture_crm::bulk::{BulkOptions, Run};
use napi_derive::napi;
use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::{guarded, payload, to_napi};
use kapture_crm::rows::Records;

#[napi]
pub struct NativeBulk {
    run: Arc<Run>,
    records: Records,
}

impl NativeBulk {
    pub fn start(client: Client, options: BulkOptions, records: Records) -> napi::Result<Self> {
        let runtime = kapture_crm::runtime::shared().map_err(|e| to_napi(&e))?;
        let (run, engine) = Run::start(&client, options, None).map_err(|e| to_napi(&e))?;
        // The engine and its calls on the core's I/O thread; `feed` and
        // `next_batch` below wait on napi's runtime (bench/RESULTS.md,
        // 2026-12-04: settled through the hub, the larger batches kept
        // V8's young objects alive past collections, and its heap grew).
        runtime.spawn(engine);
        Ok(Self { run, records })
    }
}

#[napi]
impl NativeBulk {
    /// Feeds a record (JSON text) if there is room now; false otherwise.
    #[napi(catch_unwind)]
    pub fn try_feed(&self, record_json: String) -> napi::Result<bool> {
        if !self.run.has_room() {
            return Ok(false);
        }
        let fed = self
            .run
            .try_feed(self.records.json_text(&record_json))
            .map_err(|e| to_napi(&e))?;
        Ok(fed.is_ok())
    }

    /// Feeds a record, waiting for room.
    #[napi(catch_unwind)]
    pub async fn feed(&self, record_json: String) -> napi::Result<()> {
        let run = self.run.clone();
        // Vendor-shaped records as they are, flat ones through the row mapper.
        let input = self.records.json_text(&record_json);
        guarded(async move { run.feed(input).await.map(drop).map_err(|e| to_napi(&e)) }).await
    }

    /// No more records.
    #[napi(catch_unwind)]
    pub fn close_input(&self) {
        self.run.close_input();
    }

    /// Abandons the run: no more records are taken, calls in flight are
    /// dropped, and a pending `feed`/`next` settles instead of waiting
    /// forever (which would keep the process alive).
    #[napi(catch_unwind)]
    pub fn cancel(&self) {
        self.run.cancel();
    }

    /// Ends the run (an `AbortSignal`): each record fed and not answered
    /// gets an `aborted` outcome (`outcomeUnknown` once its request had
    /// started), then the outcomes end.
    #[napi(catch_unwind)]
    pub fn abort(&self) {
        self.run.abort();
    }

    /// The next outcomes (at least one, at most `max`) as one JSON text:
    /// an array of `{"index", "ok", "response" | "error"}`, empty after the
    /// last. One crossing into JavaScript per batch, not per record. Rejects
    /// when the engine failed, after an error outcome for every record it
    /// still owed.
    #[napi(catch_unwind)]
    pub async fn next_batch(&self, max: u32) -> napi::Result<String> {
        let run = self.run.clone();
        guarded(async move {
            let batch = run
                .next_batch(max.max(1) as usize)
                .await
                .map_err(|e| to_napi(&e))?;
            // Written straight from the replies (no copy of each into a
            // JSON tree first).
            let items: Vec<Item<'_>> = batch
                .iter()
                .map(|outcome| match &outcome.result {
                    Ok(reply) => Item {
                        index: outcome.index,
                        ok: true,
                        response: Some(reply.as_json()),
                        error: None,
                    },
                    Err(error) => Item {
                        index: outcome.index,
                        ok: false,
                        response: None,
                        error: Some(payload(error)),
                    },
                })
                .collect();
            serde_json::to_string(&items).map_err(|e| crate::error::internal(&e.to_string()))
        })
        .await
    }
}

/// One outcome as `next_batch` hands it to JavaScript.
#[derive(Serialize)]
struct Item<'a> {
    index: usize,
    ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    response: Option<&'a Map<String, Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<Value>,
}
