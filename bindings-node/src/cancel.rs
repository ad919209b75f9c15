//! `NativeCancel`: what cancels one call from JavaScript. `lib/client.js`
//! makes one only for a call given an `AbortSignal` (a call without one
//! pays for no object), wires the signal to `cancel()` and passes it to the
//! call. The core decides what a cancel leaves: nothing sent, or
//! `outcomeUnknown` once an attempt had started
//! (`kapture_crm::RequestOptions::cancel`).

use kapture_crm::CancelToken;
use napi_derive::napi;

#[napi]
pub struct NativeCancel {
    token: CancelToken,
}

#[napi]
impl NativeCancel {
    #[napi(constructor, catch_unwind)]
    #[allow(clippy::new_without_default)] // a JavaScript constructor
    pub fn new() -> Self {
        Self {
            token: CancelToken::new(),
        }
    }

    /// Cancels the call (before or while it runs).
    #[napi(catch_unwind)]
    pub fn cancel(&self) {
        self.token.cancel();
    }
}

impl NativeCancel {
    /// The token the call watches.
    pub fn token(&self) -> CancelToken {
        self.token.clone()
    }
}
