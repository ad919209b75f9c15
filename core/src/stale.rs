//! Pooled connections that the server has closed are never used for a POST.
//!
//! A connection's end (the server's FIN) is seen only when its task runs.
//! A runtime that runs only during a call (the blocking client's runtime per
//! thread, a caller's current-thread runtime between `block_on`s) leaves a
//! connection that a server, proxy or load balancer closed while it was idle
//! looking open to the pool; a POST written to it fails with "connection
//! closed before message completed", an outcome that looks unknown although
//! nothing was processed. Connections idle longer than
//! [`crate::settings::POOL_IDLE_TIMEOUT`] are not reused at all.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The attempts in flight on one connection pool.
#[derive(Debug, Clone, Default)]
pub(crate) struct InFlight(Arc<AtomicUsize>);

/// Counts an attempt as in flight until dropped.
pub(crate) struct Attempt(Arc<AtomicUsize>);

impl Drop for Attempt {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl InFlight {
    /// Counts an attempt in and, when no other attempt is in flight on the
    /// pool (the pool may have sat idle while its runtime was not running),
    /// lets the runtime's connections see what reached them before the pool
    /// picks one. With other attempts in flight the runtime has been running
    /// them, and their connections' tasks with them: nothing to wait for,
    /// and no cost to calls under load.
    pub(crate) async fn settle_if_alone(&self) -> Attempt {
        let alone = self.0.fetch_add(1, Ordering::AcqRel) == 0;
        let attempt = Attempt(self.0.clone());
        if alone {
            settle().await;
        }
        attempt
    }
}

/// The first yield polls the I/O driver (a yielded task runs again only
/// after the driver was polled), which wakes each connection whose socket
/// has the server's FIN; the second lets those connections run, see the end
/// and close, so the pool's checkout skips them.
async fn settle() {
    tokio::task::yield_now().await;
    tokio::task::yield_now().await;
}
