//! `NativeBulk`: a bulk run of the core (`kapture_crm::bulk::Run`), fed
//! from JavaScript. The core owns the channels, the indexes and the ledger
//! of outcomes owed; this file converts records in and outcomes out.

use std::io::Write as _;
use std::sync::Arc;

use kapture_crm::bulk::{BulkOptions, Notify, Run, Success};
use kapture_crm::resume::RunJournal;
use kapture_crm::{Client, Error};
use napi::Env;
use napi::bindgen_prelude::Function;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;

use crate::error::{payload, to_napi};
use kapture_crm::rows::Records;

/// Calls JavaScript's `onReady()`; weak (it does not keep the process
/// alive) unless `hold(true)` said JavaScript waits on it.
type Ready = ThreadsafeFunction<(), (), (), napi::Status, false, true>;

/// JavaScript never waits on a Rust future here. It feeds and takes
/// outcomes with plain calls, and when the run is full or has nothing yet
/// the core arms the run's notify, which wakes JavaScript through `onReady`
/// (a napi `async fn` per feed and per batch would cost a thread and a
/// context switch per record).
#[napi]
pub struct NativeBulk {
    run: Arc<Run>,
    records: Records,
    /// The only strong hold on the threadsafe function (the engine's notify
    /// holds a weak one): `release()` lets it go when the run is over, so
    /// nothing of it stays open (`jest --detectOpenHandles`).
    ready: std::sync::Mutex<Option<Arc<Ready>>>,
}

impl NativeBulk {
    pub fn start(
        client: Client,
        options: BulkOptions,
        records: Records,
        on_ready: Function<'_, (), ()>,
        journal: Option<RunJournal>,
    ) -> napi::Result<Self> {
        let ready: Arc<Ready> = Arc::new(
            on_ready
                .build_threadsafe_function::<()>()
                .callee_handled::<false>()
                .weak::<true>()
                .build_callback(|_| Ok(()))?,
        );
        let notify: Notify = {
            let ready = Arc::downgrade(&ready);
            // From the engine's thread; a realm already gone has no one to
            // tell (the call then returns `Closing`), nor a released run.
            Arc::new(move || {
                if let Some(ready) = ready.upgrade() {
                    ready.call((), ThreadsafeFunctionCallMode::NonBlocking);
                }
            })
        };
        let runtime = kapture_crm::runtime::shared().map_err(|e| to_napi(&e))?;
        let (run, engine) = match journal {
            Some(journal) => Run::start_journaled(&client, options, journal, Some(notify)),
            None => Run::start_notified(&client, options, None, Some(notify)),
        }
        .map_err(|e| to_napi(&e))?;
        runtime.spawn(engine);
        Ok(Self {
            run,
            records,
            ready: std::sync::Mutex::new(Some(ready)),
        })
    }
}

#[napi]
impl NativeBulk {
    /// Feeds a record (JSON text) if there is room now. False when the run
    /// is full: `onReady` is then called once it may have room.
    #[napi(catch_unwind)]
    pub fn try_feed(&self, record_json: String) -> napi::Result<bool> {
        // Checked first, so that a full run does not parse the record.
        if !self.run.has_room_or_wait() {
            return Ok(false);
        }
        let fed = self
            .run
            .try_feed_or_wait(self.records.json_text(&record_json))
            .map_err(|e| to_napi(&e))?;
        Ok(fed.is_ok())
    }

    /// [`try_feed`](Self::try_feed) in a journaled run: `key_json` is the
    /// record's key as JSON (text or a whole number, checked by the core).
    #[napi(catch_unwind)]
    pub fn try_feed_keyed(&self, key_json: String, record_json: String) -> napi::Result<bool> {
        if !self.run.has_room_or_wait() {
            return Ok(false);
        }
        let key = serde_json::from_str(&key_json).unwrap_or(serde_json::Value::Null);
        let fed = match kapture_crm::resume::key_text("key", &key) {
            Ok(key) => self
                .run
                .try_feed_keyed_or_wait(key, self.records.json_text(&record_json)),
            // The record's outcome is its key's problem.
            Err(problem) => self.run.try_feed_or_wait(Err(problem)),
        }
        .map_err(|e| to_napi(&e))?;
        Ok(fed.is_ok())
    }

    /// Feeds, in a record's place, the problem JavaScript found reading it
    /// (`lib/encode.js`): that record's outcome is this ValidationError.
    #[napi(catch_unwind)]
    pub fn try_feed_invalid(&self, path: String, message: String) -> napi::Result<bool> {
        if !self.run.has_room_or_wait() {
            return Ok(false);
        }
        let problem = kapture_crm::FieldError::new(path, message);
        let fed = self
            .run
            .try_feed_or_wait(Err(kapture_crm::Error::Validation(vec![problem])))
            .map_err(|e| to_napi(&e))?;
        Ok(fed.is_ok())
    }

    /// No more records.
    #[napi(catch_unwind)]
    pub fn close_input(&self) {
        self.run.close_input();
    }

    /// Abandons the run: no more records are taken and calls in flight are
    /// dropped; the outcomes end.
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

    /// The outcomes there now (at most `max`) as one JSON text: an array of
    /// `{"index", "ok", "response" | "found" | "error"}` (with `"fromJournal": true`
    /// for a reply a resumed run's journal gave), empty after the last. Null
    /// when none is there yet: `onReady` is then called once one is. One
    /// crossing into JavaScript per batch, not per record. Throws when the
    /// engine failed, after an error outcome for every record it still owed.
    #[napi(catch_unwind)]
    pub fn take_batch(&self, max: u32) -> napi::Result<Option<String>> {
        let Some(batch) = self.run.try_next_batch(max.max(1) as usize) else {
            return Ok(None);
        };
        let batch = batch.map_err(|e| to_napi(&e))?;
        // Each reply's text as the server sent it (the core checked it to
        // be a JSON object), with no JSON tree built or written.
        let mut out: Vec<u8> = Vec::with_capacity(2 + batch.len() * 360);
        out.push(b'[');
        for (i, outcome) in batch.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            let ok = outcome.result.is_ok();
            // Writing into a Vec cannot fail.
            match &outcome.result {
                // Reconciled: its customer exists, and there is no reply.
                Ok(Success::Found(found)) => {
                    let id = found
                        .customer_id
                        .map_or_else(|| "null".to_string(), |id| id.to_string());
                    let _ = write!(
                        out,
                        r#"{{"index":{},"ok":true,"found":"{}","customerId":{id}"#,
                        outcome.index,
                        found.by.as_str()
                    );
                    if outcome.from_journal {
                        out.extend_from_slice(br#","fromJournal":true"#);
                    }
                }
                Ok(Success::Reply(reply)) => {
                    let _ = write!(out, r#"{{"index":{},"ok":true,"response":"#, outcome.index);
                    out.extend_from_slice(reply.json_text().as_bytes());
                    // An upsert run: what it did, and to which customer.
                    if let Some(action) = outcome.action {
                        let action = action.as_str();
                        let id = reply
                            .customer_id()
                            .map_or_else(|| "null".to_string(), |id| id.to_string());
                        let _ = write!(out, r#","action":"{action}","customerId":{id}"#);
                    }
                    // A resumed run: added earlier, not sent now.
                    if outcome.from_journal {
                        out.extend_from_slice(br#","fromJournal":true"#);
                    }
                }
                // A blank row: an outcome of its own, not an error.
                Err(Error::BlankRow) => {
                    let _ = write!(
                        out,
                        r#"{{"index":{},"ok":false,"blank":true"#,
                        outcome.index
                    );
                }
                Err(error) => {
                    let _ = write!(out, r#"{{"index":{},"ok":{ok},"error":"#, outcome.index);
                    serde_json::to_writer(&mut out, &payload(error))
                        .map_err(|e| crate::error::internal(&e.to_string()))?;
                }
            }
            out.push(b'}');
        }
        out.push(b']');
        String::from_utf8(out)
            .map(Some)
            .map_err(|e| crate::error::internal(&e.to_string()))
    }

    /// Keeps the process alive while JavaScript waits for `onReady`
    /// (`true`), as a pending request would, or lets it exit (`false`).
    #[napi(catch_unwind)]
    pub fn hold(&self, env: &Env, waiting: bool) -> napi::Result<()> {
        let ready = self.ready.lock().unwrap_or_else(|p| p.into_inner());
        let Some(ready) = ready.as_ref() else {
            return Ok(()); // released: nothing to keep alive
        };
        // SAFETY: held here, the run's threadsafe function is alive, and
        // `env` is the realm that made it, on its own thread.
        unsafe { crate::hub::keep_alive(env, ready.raw(), waiting) }
    }

    /// Lets go of `onReady` once the run is over (no more waits).
    #[napi(catch_unwind)]
    pub fn release(&self) {
        drop(self.ready.lock().unwrap_or_else(|p| p.into_inner()).take());
    }
}
