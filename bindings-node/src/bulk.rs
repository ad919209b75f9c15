//! `NativeBulk`: a run of the core's bulk engine, fed from JavaScript.
//! Inputs and outcomes pass through bounded channels, so at most about
//! `2 * concurrency` records are held whatever the input's length.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use futures_util::{StreamExt, stream};
use kapture_crm::bulk::{self, BulkOptions, Input, Outcome};
use kapture_crm::{Client, Error};
use napi_derive::napi;
use serde_json::json;
use tokio::sync::mpsc;

use crate::client::request;
use crate::error::{guarded, internal, payload, to_napi};

#[napi]
pub struct NativeBulk {
    input: Mutex<Option<mpsc::Sender<Input>>>,
    output: Arc<tokio::sync::Mutex<mpsc::Receiver<Outcome>>>,
    /// Records fed and outcomes handed out; the outcomes may end only when
    /// both are equal.
    fed: Arc<AtomicUsize>,
    delivered: Arc<AtomicUsize>,
}

impl NativeBulk {
    pub fn start(client: Client, options: BulkOptions) -> Self {
        let (input, requests) = mpsc::channel::<Input>(options.concurrency);
        let (outcomes, output) = mpsc::channel::<Outcome>(1);
        let requests = stream::unfold(requests, |mut rx| async move {
            rx.recv().await.map(|r| (r, rx))
        });
        napi::bindgen_prelude::spawn(async move {
            let mut results = bulk::add_customers(&client, requests, &options);
            while let Some(outcome) = results.next().await {
                if outcomes.send(outcome).await.is_err() {
                    break; // the JS side let go of the run
                }
            }
        });
        Self {
            input: Mutex::new(Some(input)),
            output: Arc::new(tokio::sync::Mutex::new(output)),
            fed: Arc::new(AtomicUsize::new(0)),
            delivered: Arc::new(AtomicUsize::new(0)),
        }
    }

    fn sender(&self) -> napi::Result<mpsc::Sender<Input>> {
        self.input
            .lock()
            .ok()
            .and_then(|s| s.clone())
            .ok_or_else(|| to_napi(&Error::Config("the bulk run's input is closed".into())))
    }
}

#[napi]
impl NativeBulk {
    /// Feeds a record (JSON text) if there is room now; false otherwise.
    #[napi(catch_unwind)]
    pub fn try_feed(&self, record_json: String) -> napi::Result<bool> {
        let sender = self.sender()?;
        if sender.capacity() == 0 {
            return Ok(false);
        }
        // The only producer: the room seen above is still there.
        let sent = sender.try_send(request(&record_json)).is_ok();
        if sent {
            self.fed.fetch_add(1, Ordering::SeqCst);
        }
        Ok(sent)
    }

    /// Feeds a record, waiting for room.
    #[napi(catch_unwind)]
    pub async fn feed(&self, record_json: String) -> napi::Result<()> {
        let sender = self.sender()?;
        self.fed.fetch_add(1, Ordering::SeqCst);
        guarded(async move {
            sender
                .send(request(&record_json))
                .await
                .map_err(|_| internal("the bulk engine stopped taking records"))
        })
        .await
    }

    /// No more records.
    #[napi(catch_unwind)]
    pub fn close_input(&self) {
        if let Ok(mut input) = self.input.lock() {
            input.take();
        }
    }

    /// Abandons the run: no more records are taken, outcomes not yet handed
    /// out are dropped, and a pending `feed` rejects instead of waiting
    /// forever (which would keep the process alive).
    #[napi(catch_unwind)]
    pub fn cancel(&self) {
        self.close_input();
        if let Ok(mut output) = self.output.try_lock() {
            output.close();
        }
        // Counted as delivered: nothing is owed any more.
        self.delivered
            .store(self.fed.load(Ordering::SeqCst), Ordering::SeqCst);
    }

    /// The next outcome as JSON text (`{"index", "ok", "response" | "error"}`),
    /// or null after the last.
    #[napi(catch_unwind)]
    pub async fn next(&self) -> napi::Result<Option<String>> {
        let (output, fed, delivered) = (
            self.output.clone(),
            self.fed.clone(),
            self.delivered.clone(),
        );
        guarded(async move {
            let next = output.lock().await.recv().await;
            let Some(outcome) = next else {
                let (fed, done) = (fed.load(Ordering::SeqCst), delivered.load(Ordering::SeqCst));
                if done < fed {
                    return Err(internal(&format!(
                        "the bulk engine stopped after {done} of {fed} outcomes"
                    )));
                }
                return Ok(None);
            };
            delivered.fetch_add(1, Ordering::SeqCst);
            let item = match outcome.result {
                Ok(reply) => {
                    json!({"index": outcome.index, "ok": true, "response": reply.as_json()})
                }
                Err(error) => {
                    json!({"index": outcome.index, "ok": false, "error": payload(&error)})
                }
            };
            Ok(Some(item.to_string()))
        })
        .await
    }
}
