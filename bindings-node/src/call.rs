//! `NativeCall`: one call of the client, cancellable from JavaScript
//! (`lib/client.js` wires an `AbortSignal` to `cancel()`). The core decides
//! what a cancel leaves: nothing sent, or `outcomeUnknown` once an attempt
//! had started (`kapture_crm::RequestOptions::cancel`).

use std::sync::Mutex;

use futures_util::future::BoxFuture;
use kapture_crm::CancelToken;
use napi_derive::napi;

use crate::error::guarded;

#[napi]
pub struct NativeCall {
    cancel: CancelToken,
    work: Mutex<Option<BoxFuture<'static, napi::Result<Option<String>>>>>,
}

impl NativeCall {
    pub fn new(
        cancel: CancelToken,
        work: BoxFuture<'static, napi::Result<Option<String>>>,
    ) -> Self {
        Self {
            cancel,
            work: Mutex::new(Some(work)),
        }
    }
}

#[napi]
impl NativeCall {
    /// Cancels the call (before or while it runs).
    #[napi(catch_unwind)]
    pub fn cancel(&self) {
        self.cancel.cancel();
    }

    /// Runs the call: the reply as JSON text, or null (a lookup that found
    /// nobody). A call runs once.
    #[napi(catch_unwind)]
    pub async fn run(&self) -> napi::Result<Option<String>> {
        let work = self
            .work
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take();
        match work {
            Some(work) => guarded(work).await,
            None => Err(crate::error::internal("a call runs once")),
        }
    }
}
