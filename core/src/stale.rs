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

/// Lets the runtime's connections see what reached them before the pool
/// picks one. The first yield polls the I/O driver (a yielded task runs again
/// only after the driver was polled), which wakes each connection whose
/// socket has the server's FIN; the second lets those connections run, see
/// the end and close, so the pool's checkout skips them. On a runtime that
/// was running all along it costs two trips through the scheduler.
pub(crate) async fn settle() {
    tokio::task::yield_now().await;
    tokio::task::yield_now().await;
}
