//! Per-call options: a timeout or a retry budget for one call, and a way to
//! cancel it from elsewhere ([`CancelToken`], what Node's `AbortSignal`
//! becomes). Dropping a call's future cancels it too; see
//! [`Client::add_customer_with`](crate::Client::add_customer_with) for the
//! outcome that leaves.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::sync::Notify;

use crate::config::Config;
use crate::error::Error;
use crate::settings::{self, Unit};

/// Overrides for one call (or for a client made with
/// [`Client::with_options`](crate::Client::with_options)); `None` keeps the
/// client's setting.
#[derive(Debug, Clone, Default)]
pub struct RequestOptions {
    /// Per attempt, as the client's `timeout`.
    pub timeout: Option<Duration>,
    pub max_retries: Option<u32>,
    /// Cancels the call when cancelled (ignored by `with_options`).
    pub cancel: Option<CancelToken>,
}

impl RequestOptions {
    /// Checked the way every front end checks them: `timeout` in `unit`
    /// (positive, at most a day), `max_retries` a whole number 0 to 100.
    /// `names` are the front end's names of the two settings.
    pub fn checked(
        timeout: Option<f64>,
        max_retries: Option<f64>,
        unit: Unit,
        names: (&str, &str),
    ) -> Result<Self, Error> {
        Ok(Self {
            timeout: timeout
                .map(|t| settings::duration(names.0, t, unit))
                .transpose()?,
            max_retries: max_retries
                .map(|n| settings::max_retries(names.1, n))
                .transpose()?,
            cancel: None,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.timeout.is_none() && self.max_retries.is_none() && self.cancel.is_none()
    }

    /// `config` with these overrides on top.
    pub(crate) fn apply(&self, config: &Config) -> Config {
        let mut config = config.clone();
        if let Some(timeout) = self.timeout {
            config.timeout = timeout;
        }
        if let Some(max_retries) = self.max_retries {
            config.max_retries = max_retries;
        }
        config
    }
}

/// Cancels calls from anywhere: clones share one state, and cancelling is
/// for good. A call given a cancelled token sends nothing.
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<Shared>);

#[derive(Debug, Default)]
struct Shared {
    cancelled: AtomicBool,
    notify: Notify,
}

impl CancelToken {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn cancel(&self) {
        self.0.cancelled.store(true, Ordering::SeqCst);
        self.0.notify.notify_waiters();
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.cancelled.load(Ordering::SeqCst)
    }

    /// Completes once cancelled.
    pub async fn cancelled(&self) {
        loop {
            let notified = self.0.notify.notified();
            tokio::pin!(notified);
            // Registered before the check, so a cancel in between is seen.
            notified.as_mut().enable();
            if self.is_cancelled() {
                return;
            }
            notified.await;
        }
    }
}

/// What a cancelled call may have left behind.
#[derive(Debug, Default)]
pub(crate) struct Progress {
    /// An attempt is on the wire now.
    pub in_flight: AtomicBool,
    /// An earlier attempt ended in a failure after which the customer may
    /// exist (and was retried, with `retry_unknown_outcome`).
    pub unknown: AtomicBool,
}

impl Progress {
    pub(crate) fn aborted(&self) -> Error {
        let outcome_unknown =
            self.in_flight.load(Ordering::SeqCst) || self.unknown.load(Ordering::SeqCst);
        if !outcome_unknown {
            return Error::cancelled_before_sending();
        }
        Error::Aborted {
            message: "cancelled while a request was on its way".into(),
            outcome_unknown,
        }
    }
}
