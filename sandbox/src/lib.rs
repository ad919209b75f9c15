//! A local, Kapture-compatible Add Customer server with fault injection: what
//! stripe-mock is for Stripe. Tests, examples and your own test suites talk to
//! it instead of a production CRM.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use kapture_crm_sandbox::{Sandbox, SandboxConfig};
//! let sandbox = Sandbox::start(SandboxConfig::default()).await?;
//! println!("{} {}", sandbox.url(), sandbox.token()); // base_url and token
//! // ... point a client at it, then look inside:
//! let stored = sandbox.customers();
//! # Ok(()) }
//! ```
//!
//! # The API, as far as the vendor publishes it
//!
//! `POST /ms/customer/customer/api/v1/add-update`, on 127.0.0.1 only:
//! - `Authorization` other than `Basic <token>`: 401
//!   `{"message": "Invalid Auth Key","status": "failed"}`.
//! - A body that is not JSON (or not an object): 400 with a `failed` body.
//! - No `customer_info.customer_name`, or neither `phone` nor `email_id`:
//!   `{"message": "Name, Email Id, and Phone Number required", "status": "failed"}`,
//!   sent with **200**: clients must decide success by the body.
//! - Otherwise the customer is stored and the reply is shaped exactly like the
//!   vendor's success example, with ids that only grow (customers from
//!   100000001, contacts from 200000001).
//!
//! # What the vendor leaves undocumented, decided here
//!
//! - **A `customer_id`** (the vendor's Update Customer: its own example
//!   sends the id with `"update": false`) updates that customer whatever the
//!   `update` flag says; the id is checked before the name rule, so an update
//!   may carry only the id and the changed fields (merged over the stored
//!   request). An unknown id gets
//!   `{"message": "Customer does not exist for customer_id N", "status": "failed"}`
//!   and stores nothing. (The vendor documents that the id makes an update;
//!   the message and the merge are ours.)
//! - **Same phone or email** (our assumption, not the vendor's): a request
//!   without a customer id whose `phone` (compared by its digits) or
//!   `email_id` (compared without case) matches a stored customer *updates*
//!   that customer: the stored request is replaced, `writes` goes up by one,
//!   and the reply carries the existing `customer_id` with
//!   `"action_event": "UPDATE_CUSTOMER"` and "Customer Updated successfully !".
//!   So a client that sends the same customer twice never makes two
//!   customers here, but `writes` shows it did. `SandboxConfig::no_merge`
//!   (`--no-merge`, Python `merge=False`, Node `{ merge: false }`) turns it
//!   off: every such add makes a new customer.
//! - **Contacts**: each entry of `contact_info` gets a new contact id, unless
//!   its `contact_id` is already one of this customer's; the reply's
//!   `contact_id` is the first contact's. Without contacts the reply has no
//!   `contact_id` and the message no "Contact Added" part.
//! - Nothing else is checked: the sandbox is as lenient as the vendor is
//!   documented to be, so the SDK's own validation is what keeps bad data out.
//!
//! # Looking inside (no token needed)
//!
//! - `GET /sandbox/customers`: every stored customer with its `customer_id`,
//!   `contact_ids`, `writes` and the last `request` that wrote it;
//!   `DELETE /sandbox/customers` forgets them.
//! - `GET /sandbox/faults`, `POST /sandbox/faults` (a JSON [`Faults`]).
//! - `GET /sandbox/stats`: requests seen and faults injected, by kind.
//!
//! # Faults
//!
//! See [`Faults`]: latency, shares of 429/503 (with `Retry-After`), 500, a
//! connection dropped before processing (nothing stored) or after it (stored,
//! reply lost), truncated JSON, an HTML 502 page; deterministic from a seed.

/// This crate's README: its Rust blocks compile as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct Readme;

mod faults;
pub mod secret_echo;
mod server;
mod store;

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::watch;

pub use faults::{Fault, Faults};
pub use server::{ADD_UPDATE_PATH, Stats};
pub use store::{Duplicates, REQUIRED_MESSAGE, StoredCustomer};

/// How to start a sandbox.
#[derive(Debug, Clone, Default)]
pub struct SandboxConfig {
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// The token clients must send; `None` makes up a random one.
    pub token: Option<String>,
    pub faults: Faults,
    /// Turn off the same-phone-or-email merge rule (ours, not the
    /// vendor's): every add makes a new customer, so tests see a double
    /// send as two customers. The same as `duplicates: Duplicates::Separate`.
    pub no_merge: bool,
    /// What an add does when its phone or email is already a customer's:
    /// merge into it (the default), make another, or refuse it as a
    /// duplicate naming the existing id (see [`Duplicates`]).
    pub duplicates: Duplicates,
    /// How long a connection may take to send a request head, or stay idle
    /// between requests, before it is closed (`None`:
    /// [`DEFAULT_HEADER_TIMEOUT`]).
    pub header_timeout: Option<std::time::Duration>,
}

/// Longer than the SDK's pool idle timeout (4 s,
/// `kapture_crm::settings::POOL_IDLE_TIMEOUT`), so the client always lets a
/// connection go before the sandbox closes it (no race after a pause), and
/// short enough that half-open and slow connections are not held for ever.
pub const DEFAULT_HEADER_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// A running sandbox. It stops when dropped.
pub struct Sandbox {
    address: SocketAddr,
    url: String,
    token: String,
    shared: Arc<server::Shared>,
    shutdown: watch::Sender<bool>,
    /// Set when the sandbox runs on a runtime of its own.
    thread: Option<std::thread::JoinHandle<()>>,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl Sandbox {
    /// Binds 127.0.0.1 and serves on the current tokio runtime.
    pub async fn start(config: SandboxConfig) -> io::Result<Sandbox> {
        let (listener, parts) = Self::bind(config)?;
        let listener = TcpListener::from_std(listener)?;
        let (shutdown, watcher) = watch::channel(false);
        tokio::spawn(server::serve(listener, parts.shared.clone(), watcher));
        Ok(parts.finish(shutdown, None))
    }

    /// Starts on a runtime of its own (two worker threads), for callers
    /// without one (synchronous tests, the Python and Node bindings) and for
    /// callers that want the sandbox off their own runtime's threads. Safe to
    /// call from inside a runtime.
    pub fn start_background(config: SandboxConfig) -> io::Result<Sandbox> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("kapture-sandbox")
            .enable_all()
            .build()?;
        let (listener, parts) = Self::bind(config)?;
        let (shutdown, watcher) = watch::channel(false);
        let shared = parts.shared.clone();
        let thread = std::thread::Builder::new()
            .name("kapture-sandbox".into())
            .spawn(move || {
                let mut stop = watcher.clone();
                runtime.block_on(async move {
                    match TcpListener::from_std(listener) {
                        Ok(listener) => {
                            tokio::spawn(server::serve(listener, shared, watcher));
                        }
                        // Cannot happen for a freshly bound socket; the
                        // sandbox would then refuse connections, loudly.
                        Err(e) => eprintln!("kapture sandbox: cannot serve: {e}"),
                    }
                    let _ = stop.changed().await;
                });
                // Connections still open are dropped with the runtime, and
                // the listener with its task: waited for, so that once the
                // sandbox is dropped its port is free (a restart on the same
                // port binds at once).
                runtime.shutdown_timeout(std::time::Duration::from_secs(2));
            })?;
        Ok(parts.finish(shutdown, Some(thread)))
    }

    fn bind(config: SandboxConfig) -> io::Result<(std::net::TcpListener, Parts)> {
        config
            .faults
            .check()
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        let token = match config.token {
            Some(t) if !t.trim().is_empty() => t,
            Some(_) => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "the token is empty",
                ));
            }
            None => format!(
                "sandbox-{:016x}{:08x}",
                fastrand::u64(..),
                fastrand::u32(..)
            ),
        };
        if token.chars().any(|c| c.is_control() || !c.is_ascii()) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "the token must be printable ASCII",
            ));
        }
        // Loopback only: a sandbox is never reachable from another machine.
        let listener = std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, config.port))?;
        listener.set_nonblocking(true)?;
        let address = listener.local_addr()?;
        let duplicates = match (config.no_merge, config.duplicates) {
            (false, duplicates) => duplicates,
            (true, Duplicates::Merge | Duplicates::Separate) => Duplicates::Separate,
            (true, Duplicates::Refuse) => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "no_merge and duplicates = refuse contradict each other: choose one",
                ));
            }
        };
        let shared = Arc::new(server::Shared::new(
            &token,
            config.faults,
            duplicates,
            config.header_timeout.unwrap_or(DEFAULT_HEADER_TIMEOUT),
        ));
        Ok((
            listener,
            Parts {
                address,
                token,
                shared,
            },
        ))
    }

    /// The base URL to give a client: `http://127.0.0.1:<port>`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The full Add Customer endpoint URL.
    pub fn endpoint(&self) -> String {
        format!("{}{ADD_UPDATE_PATH}", self.url)
    }

    pub fn token(&self) -> &str {
        &self.token
    }

    /// The line a foreground sandbox prints first (`kapture sandbox`, the
    /// npm package's `kapture-sandbox`): `export KAPTURE_BASE_URL=...
    /// KAPTURE_TOKEN=...`. `export`: `eval "$(kapture sandbox | head -1)"`
    /// hands the variables to the programs the shell starts, not only to
    /// the shell.
    pub fn export_line(&self) -> String {
        format!(
            "export KAPTURE_BASE_URL={} KAPTURE_TOKEN={}",
            self.url, self.token
        )
    }

    pub fn port(&self) -> u16 {
        self.address.port()
    }

    /// Every stored customer, oldest first.
    pub fn customers(&self) -> Vec<StoredCustomer> {
        self.shared
            .store
            .lock()
            .map(|s| s.customers())
            .unwrap_or_default()
    }

    /// Forgets every stored customer; ids start again from the first.
    pub fn clear(&self) {
        if let Ok(mut store) = self.shared.store.lock() {
            store.clear();
        }
    }

    pub fn faults(&self) -> Faults {
        self.shared.faults()
    }

    /// Replaces the faults; their sequence restarts from the new seed.
    pub fn set_faults(&self, faults: Faults) -> Result<(), String> {
        self.shared.set_faults(faults)
    }

    pub fn stats(&self) -> Stats {
        self.shared.stats()
    }

    /// When each `add-update` request arrived, in seconds from the start
    /// (the last million): for measuring a client's pace.
    pub fn arrivals(&self) -> Vec<f64> {
        self.shared.arrivals()
    }

    /// Stops serving and closes every connection.
    pub fn stop(self) {}
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

struct Parts {
    address: SocketAddr,
    token: String,
    shared: Arc<server::Shared>,
}

impl Parts {
    fn finish(
        self,
        shutdown: watch::Sender<bool>,
        thread: Option<std::thread::JoinHandle<()>>,
    ) -> Sandbox {
        Sandbox {
            url: format!("http://{}", self.address),
            address: self.address,
            token: self.token,
            shared: self.shared,
            shutdown,
            thread,
        }
    }
}
