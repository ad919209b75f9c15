//! `NativeHub`: how finished calls come back to JavaScript, many at a time.
//!
//! A napi `async fn` makes a promise and a threadsafe function for every
//! call (a libuv handle opened and closed each time), spawns two tasks and
//! wakes the JavaScript thread once per reply. With 64 calls in flight that
//! was most of the binding's cost. Instead, one hub per JavaScript realm
//! (`lib/hub.js` makes it on the first call): a call's task puts its outcome
//! in the hub's queue and wakes JavaScript only if the queue was empty, and
//! JavaScript takes every outcome queued by then as one JSON text, settling
//! the promises it keeps by call id.
//!
//! That JSON text is written on the JavaScript thread, when it takes the
//! batch, not on the core's I/O thread: that one thread carries every
//! call's HTTP work and is what bounds calls a second with many in flight,
//! while the JavaScript thread has time to spare. For the same reason the
//! callers in `client.rs`
//! read and check a request before they spawn its call.

use std::io::Write as _;
use std::sync::{Arc, Mutex};

use napi::Env;
use napi::bindgen_prelude::Function;
use napi::threadsafe_function::{ThreadsafeFunction, ThreadsafeFunctionCallMode};
use napi_derive::napi;
use serde_json::Value;

use futures_util::FutureExt;
use kapture_crm::Error;

use crate::error::payload;

/// Calls JavaScript's `onDone(batch)`; weak (it does not keep the process
/// alive) unless `hold(true)` said calls are pending.
type Wake = ThreadsafeFunction<(), (), String, napi::Status, false, true>;

/// A finished call: its id, and its reply (null for a lookup that found
/// nobody) or its error.
type Outcome = (u32, Result<Option<Reply>, Error>);

/// A call's reply on its way to JavaScript.
pub enum Reply {
    /// A reply's JSON text as the server sent it, which the core checked
    /// to be a JSON object (`AddCustomerResponse::json_text`): copied into
    /// the batch as it is, for `JSON.parse` to read once.
    Text(String),
    /// A JSON value, written into the batch.
    Tree(Value),
}

struct Queue {
    /// Outcomes not yet taken by JavaScript.
    done: Mutex<Vec<Outcome>>,
}

impl Queue {
    /// Every queued outcome as one JSON array of `id, ok, value` triples
    /// (on the JavaScript thread: see the module docs).
    fn take(&self) -> String {
        let done = std::mem::take(&mut *self.lock());
        // About a vendor reply's size a call, so most batches never grow.
        let mut batch: Vec<u8> = Vec::with_capacity(2 + done.len() * 320);
        batch.push(b'[');
        for (i, (id, outcome)) in done.iter().enumerate() {
            if i > 0 {
                batch.push(b',');
            }
            // A JSON tree written into a Vec cannot fail. Were it to, the
            // batch would not parse, and `lib/hub.js` rejects every pending
            // call with an InternalError rather than leave one waiting.
            let _ = write!(batch, "{id},{},", u8::from(outcome.is_ok()));
            let _ = match outcome {
                Ok(Some(Reply::Text(text))) => {
                    batch.extend_from_slice(text.as_bytes());
                    Ok(())
                }
                Ok(Some(Reply::Tree(value))) => serde_json::to_writer(&mut batch, value),
                Ok(None) => serde_json::to_writer(&mut batch, &Value::Null),
                Err(error) => serde_json::to_writer(&mut batch, &payload(error)),
            };
        }
        batch.push(b']');
        // serde_json writes UTF-8 only, and the replies' texts are Strings.
        String::from_utf8(batch)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Outcome>> {
        self.done
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[napi]
pub struct NativeHub {
    inner: Arc<Inner>,
}

struct Inner {
    queue: Arc<Queue>,
    /// `None` once `close()` released it.
    wake: Mutex<Option<Wake>>,
}

#[napi]
impl NativeHub {
    /// `on_done(batch)` runs on the JavaScript thread with the outcomes
    /// queued since the last batch.
    #[napi(constructor, catch_unwind)]
    pub fn new(on_done: Function<'_, String, ()>) -> napi::Result<Self> {
        let queue = Arc::new(Queue {
            done: Mutex::new(Vec::new()),
        });
        let taken = queue.clone();
        let wake = on_done
            .build_threadsafe_function::<()>()
            .callee_handled::<false>()
            .weak::<true>()
            .build_callback(move |_| Ok(taken.take()))?;
        Ok(Self {
            inner: Arc::new(Inner {
                queue,
                wake: Mutex::new(Some(wake)),
            }),
        })
    }

    /// Releases the threadsafe function (its libuv handle), so that nothing
    /// of this hub stays open once calls are done: `lib/hub.js` closes an
    /// idle hub and makes a new one for the next call.
    #[napi(catch_unwind)]
    pub fn close(&self) {
        drop(self.inner.wake().take());
    }

    /// Keeps the process alive while calls are pending (`true`), or lets it
    /// exit (`false`); `lib/hub.js` says so when its count of pending
    /// calls leaves or reaches zero.
    #[napi(catch_unwind)]
    pub fn hold(&self, env: &Env, pending: bool) -> napi::Result<()> {
        let wake = self.inner.wake();
        let Some(wake) = wake.as_ref() else {
            return Ok(()); // closed: nothing to keep alive
        };
        // SAFETY: the threadsafe function is alive while held here, and
        // `env` is the realm that made it, on its own thread.
        unsafe { keep_alive(env, wake.raw(), pending) }
    }
}

/// Refs (`keep`) or unrefs a weak threadsafe function: referenced, it keeps
/// the process alive, as a pending request would.
///
/// # Safety
/// `raw` must be a live threadsafe function made in `env`'s realm, and this
/// must run on that realm's thread.
pub unsafe fn keep_alive(
    env: &Env,
    raw: napi::sys::napi_threadsafe_function,
    keep: bool,
) -> napi::Result<()> {
    // SAFETY: as the caller promised.
    let status = unsafe {
        if keep {
            napi::sys::napi_ref_threadsafe_function(env.raw(), raw)
        } else {
            napi::sys::napi_unref_threadsafe_function(env.raw(), raw)
        }
    };
    napi::check_status!(status, "keep_alive({keep})")
}

impl NativeHub {
    /// Runs `work` on the core's shared runtime (`kapture_crm::runtime::spawn`);
    /// its outcome reaches JavaScript as call `id`: the reply (JSON; null
    /// for a lookup that found nobody), or the error's payload for
    /// `lib/errors.js`.
    pub fn spawn<W>(&self, id: u32, work: W)
    where
        W: std::future::Future<Output = Result<Option<Reply>, Error>> + Send + 'static,
    {
        // On the heap first: the call's future is large (2.5 kB), and each
        // wrapper below would otherwise copy all of it again.
        let work = Box::pin(work);
        let inner = self.inner.clone();
        let task = async move {
            // A panic in the call is the core's internal error (its outcome
            // unknown), not a promise left pending.
            let outcome = std::panic::AssertUnwindSafe(work)
                .catch_unwind()
                .await
                .unwrap_or_else(|panic| Err(Error::from_panic(&*panic)));
            inner.settle(id, outcome);
        };
        if let Err(error) = kapture_crm::runtime::spawn(task) {
            // No runtime, no call: it settles with the reason at once.
            self.inner.settle(id, Err(error));
        }
    }
}

impl Inner {
    /// Queues call `id`'s outcome; the first of a batch wakes JavaScript,
    /// later ones are taken with it. A realm already gone (`Closing`) has
    /// no one to tell.
    fn settle(&self, id: u32, outcome: Result<Option<Reply>, Error>) {
        let was_empty = {
            let mut done = self.queue.lock();
            done.push((id, outcome));
            done.len() == 1
        };
        if was_empty && let Some(wake) = self.wake().as_ref() {
            wake.call((), ThreadsafeFunctionCallMode::NonBlocking);
        }
    }

    fn wake(&self) -> std::sync::MutexGuard<'_, Option<Wake>> {
        self.wake
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}
