//! A synchronous client for code without an async runtime: the async
//! [`crate::Client`] driven on the calling thread.
//!
//! Each thread that calls gets a single-threaded tokio runtime and, per
//! client, a connection pool of its own, both kept in thread-local storage.
//! A call then runs entirely on the caller's thread: the request is
//! written, the socket waited on and the reply read there, with no hand-over
//! to another thread and back (on a shared runtime each call would cross
//! threads twice, a wait every sequential call pays). A pool's connections
//! belong to the runtime that opened
//! them, which is why the pools are per thread too.
//!
//! Lifetimes: when a thread ends, its runtime and pools are kept (a few at
//! most) for the next thread that calls, so a thread per call still reuses
//! connections; a dropped client's pool is let go at the next call of the
//! thread (or the thread that took over) holding it.
//! After `fork()` the child never touches what the parent's threads built
//! (its runtime and sockets are the parent's): it builds its own.

use std::cell::RefCell;
use std::pin::Pin;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use serde_json::Value;

use crate::config::ClientBuilder;
use crate::error::Error;
use crate::model::AddCustomerRequest;
use crate::options::{CancelToken, RequestOptions};
use crate::response::AddCustomerResponse;

/// The blocking twin of [`crate::Client`]. Cheap to clone (clones share
/// the per-thread pools) and usable from any number of threads at once.
/// Callable from any thread that does not run async tasks, including
/// inside `tokio::task::spawn_blocking` (how axum or any tokio program
/// calls blocking code); on a thread that runs async tasks it returns an
/// [`Error::Config`] instead of stalling them (see `nested_runtime.rs`).
#[derive(Clone)]
pub struct Client {
    /// Names this client's pools in each thread's driver; when the last
    /// clone is dropped, the pools are let go.
    pools: Arc<()>,
    /// The settings; never used for I/O itself (each thread builds its
    /// own pool from it).
    template: crate::Client,
    /// From [`with_options`](Self::with_options), applied to every call.
    options: RequestOptions,
    /// From [`with_interrupt`](Self::with_interrupt).
    interrupt: Option<Interrupt>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("template", &self.template)
            .field("options", &self.options)
            .field("interrupt", &self.interrupt.is_some())
            .finish()
    }
}

/// Asked every [`INTERRUPT_POLL`] while a call waits; `true` stops the call
/// as a [`CancelToken`] does (Python's binding answers whether Ctrl-C was
/// pressed: a blocked thread would otherwise hold the signal until the
/// call ends).
pub type Interrupt = Arc<dyn Fn() -> bool + Send + Sync>;

/// How often a waiting call asks its [`Interrupt`]: a person pressing
/// Ctrl-C sees the call stop within this.
pub const INTERRUPT_POLL: Duration = Duration::from_millis(100);

/// Polls `work` until it is done (`Some`), or until `interrupt` answers
/// `true` (`None`; `work` is left where it is, for the caller to cancel or
/// drop). Must run on a runtime with timers.
pub async fn until_interrupted<F: Future>(
    mut work: Pin<&mut F>,
    interrupt: &(dyn Fn() -> bool + Send + Sync),
) -> Option<F::Output> {
    // Asked first: an interrupt that came before the call stops it before
    // anything is sent.
    if interrupt() {
        return None;
    }
    let mut tick =
        tokio::time::interval_at(tokio::time::Instant::now() + INTERRUPT_POLL, INTERRUPT_POLL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            biased;
            output = work.as_mut() => return Some(output),
            _ = tick.tick() => if interrupt() {
                return None;
            },
        }
    }
}

/// What one thread keeps: its runtime and its pool of each client.
struct Driver {
    /// [`crate::runtime::fork_generation`] when it was built: a driver of
    /// another generation is a forked child's copy of its parent's.
    generation: usize,
    runtime: tokio::runtime::Runtime,
    pools: Vec<(Weak<()>, crate::Client)>,
}

thread_local! {
    static DRIVER: RefCell<Slot> = const { RefCell::new(Slot(None)) };
}

/// Drivers of threads that ended, kept for the next thread's first call:
/// with a thread per call (a threaded server, a thread per record) each
/// call would otherwise open a new connection, and over the internet pay a
/// TLS handshake. A few at most; the rest are dropped with their thread.
static SPARE: Mutex<Vec<Driver>> = Mutex::new(Vec::new());
const MAX_SPARE: usize = 4;

/// The spare drivers, unless another thread holds them this instant. Never
/// waits: a child forked while a thread held the lock would wait forever
/// (then the driver is simply built, or dropped).
fn spare() -> Option<std::sync::MutexGuard<'static, Vec<Driver>>> {
    match SPARE.try_lock() {
        Ok(guard) => Some(guard),
        Err(std::sync::TryLockError::Poisoned(poisoned)) => Some(poisoned.into_inner()),
        Err(std::sync::TryLockError::WouldBlock) => None,
    }
}

/// A thread's driver; handed to [`SPARE`] when the thread ends.
struct Slot(Option<Driver>);

impl Drop for Slot {
    fn drop(&mut self) {
        let Some(driver) = self.0.take() else { return };
        if driver.generation != crate::runtime::fork_generation() {
            // A forked child's copy of the parent's: never dropped (see
            // `Driver::of_this_process`).
            std::mem::forget(driver);
            return;
        }
        if let Some(mut spare) = spare()
            && spare.len() < MAX_SPARE
        {
            spare.push(driver);
            return;
        }
        // Dropped here, outside the lock: joins the runtime's blocking
        // threads, if any.
        drop(driver);
    }
}

impl Client {
    /// Builds the client from a configured builder (every setting is
    /// checked here; no connection is opened).
    pub fn new(builder: ClientBuilder) -> Result<Self, Error> {
        Ok(Self::from_client(&builder.build()?))
    }

    /// A blocking client with the settings of an async one (not its pool).
    pub fn from_client(client: &crate::Client) -> Self {
        Self {
            pools: Arc::new(()),
            template: client.clone(),
            options: RequestOptions::default(),
            interrupt: None,
        }
    }

    /// A client whose calls ask `interrupt` every [`INTERRUPT_POLL`] while
    /// they wait and, when it answers `true`, stop as a cancelled call does
    /// ([`Error::Aborted`], `outcome_unknown` once an attempt was on the
    /// wire). Shares this one's connections.
    pub fn with_interrupt(&self, interrupt: Interrupt) -> Client {
        Self {
            interrupt: Some(interrupt),
            ..self.clone()
        }
    }

    /// A blocking client from `KAPTURE_TOKEN` and `KAPTURE_SUBDOMAIN` or
    /// `KAPTURE_BASE_URL`.
    pub fn from_env() -> Result<Self, Error> {
        Self::new(ClientBuilder::from_env())
    }

    /// The settings the client was built with.
    pub fn config(&self) -> &crate::config::Config {
        self.template.config()
    }

    /// A client with `options` (timeout, retries) applied to every call,
    /// sharing this one's connections.
    pub fn with_options(&self, options: &RequestOptions) -> Client {
        let mut merged = self.options.clone();
        merged.timeout = options.timeout.or(merged.timeout);
        merged.max_retries = options.max_retries.or(merged.max_retries);
        Self {
            pools: self.pools.clone(),
            template: self.template.clone(),
            options: merged,
            interrupt: self.interrupt.clone(),
        }
    }

    pub fn add_customer(&self, request: &AddCustomerRequest) -> Result<AddCustomerResponse, Error> {
        self.add_customer_with(request, &RequestOptions::default())
    }

    /// [`add_customer`](Self::add_customer) with per-call options (see
    /// [`crate::Client::add_customer_with`]).
    pub fn add_customer_with(
        &self,
        request: &AddCustomerRequest,
        options: &RequestOptions,
    ) -> Result<AddCustomerResponse, Error> {
        self.run(options, |client, options| async move {
            client.add_customer_with(request, &options).await
        })
    }

    /// [`crate::Client::send_checked_with`]: a request checked once, by the
    /// front end's conversion.
    pub fn send_checked_with(
        &self,
        request: &crate::CheckedRequest,
        options: &RequestOptions,
    ) -> Result<AddCustomerResponse, Error> {
        self.run(options, |client, options| async move {
            client.send_checked_with(request, &options).await
        })
    }

    pub fn add_customer_json(&self, request: &Value) -> Result<AddCustomerResponse, Error> {
        let request = AddCustomerRequest::from_json(request)?;
        self.add_customer(&request)
    }

    /// Update Customer by Kapture's customer id.
    pub fn update_customer(
        &self,
        customer_id: &str,
        request: &AddCustomerRequest,
    ) -> Result<AddCustomerResponse, Error> {
        self.update_customer_with(customer_id, request, &RequestOptions::default())
    }

    pub fn update_customer_with(
        &self,
        customer_id: &str,
        request: &AddCustomerRequest,
        options: &RequestOptions,
    ) -> Result<AddCustomerResponse, Error> {
        self.run(options, |client, options| async move {
            client
                .update_customer_with(customer_id, request, &options)
                .await
        })
    }

    /// Get Customer; `Ok(None)` when there is no such customer.
    pub fn find_customer(
        &self,
        lookup: &crate::CustomerLookup,
    ) -> Result<Option<crate::Customer>, Error> {
        self.find_customer_with(lookup, &RequestOptions::default())
    }

    pub fn find_customer_with(
        &self,
        lookup: &crate::CustomerLookup,
        options: &RequestOptions,
    ) -> Result<Option<crate::Customer>, Error> {
        self.run(options, |client, options| async move {
            client.find_customer_with(lookup, &options).await
        })
    }

    /// Add or update (see [`crate::upsert`]).
    pub fn upsert_customer_with(
        &self,
        request: &AddCustomerRequest,
        on: crate::MatchOn,
        options: &RequestOptions,
    ) -> Result<crate::Upserted, Error> {
        self.run(options, |client, options| async move {
            client.upsert_customer_with(request, on, &options).await
        })
    }

    /// Runs `work` with this thread's pool of this client and `options`, on
    /// this thread's runtime; with an [`Interrupt`], `options` carry a
    /// cancel token that the interrupt cancels.
    fn run<T, F>(
        &self,
        options: &RequestOptions,
        work: impl FnOnce(crate::Client, RequestOptions) -> F,
    ) -> Result<T, Error>
    where
        F: Future<Output = Result<T, Error>>,
    {
        crate::nested_runtime::unless_driving_tasks(|| self.run_here(options, work)).unwrap_or_else(
            || {
                Err(Error::Config(
                    "the blocking client was called on a thread that runs async tasks; use \
                     kapture_crm::Client and .await there, or call this one inside \
                     tokio::task::spawn_blocking"
                        .into(),
                ))
            },
        )
    }

    /// [`run`](Self::run) on this thread's driver.
    fn run_here<T, F>(
        &self,
        options: &RequestOptions,
        work: impl FnOnce(crate::Client, RequestOptions) -> F,
    ) -> Result<T, Error>
    where
        F: Future<Output = Result<T, Error>>,
    {
        DRIVER.with(|cell| {
            // Only a call made while this thread is already inside one (a
            // log sink calling back, say) finds it taken.
            let Ok(mut slot) = cell.try_borrow_mut() else {
                return Err(Error::Config(
                    "the blocking client was called again from inside one of its own calls".into(),
                ));
            };
            let driver = Driver::of_this_process(&mut slot.0)?;
            driver.pools.retain(|(owner, _)| owner.strong_count() > 0);
            let found = driver
                .pools
                .iter()
                .find(|(owner, _)| std::ptr::eq(owner.as_ptr(), Arc::as_ptr(&self.pools)))
                .map(|(_, pool)| pool.clone());
            let pool = match found {
                Some(pool) => pool,
                None => {
                    // Built inside the runtime, whose pool it becomes.
                    let _entered = driver.runtime.enter();
                    let pool = self.template.with_own_pool()?;
                    driver
                        .pools
                        .push((Arc::downgrade(&self.pools), pool.clone()));
                    pool
                }
            };
            let pool = pool.with_options(&self.options);
            let Some(interrupt) = &self.interrupt else {
                return driver.runtime.block_on(work(pool, options.clone()));
            };
            // The caller's own token, if any, is honoured at each poll.
            let stop = CancelToken::new();
            let caller = options.cancel.clone();
            let options = RequestOptions {
                cancel: Some(stop.clone()),
                ..options.clone()
            };
            let asked =
                move || interrupt() || caller.as_ref().is_some_and(CancelToken::is_cancelled);
            driver.runtime.block_on(async move {
                let mut work = std::pin::pin!(work(pool, options));
                match until_interrupted(work.as_mut(), &asked).await {
                    Some(result) => result,
                    None => {
                        // The core decides what the cut leaves: Aborted,
                        // outcome unknown once an attempt was on the wire.
                        stop.cancel();
                        work.await
                    }
                }
            })
        })
    }
}

impl Driver {
    /// This thread's driver: taken over from a thread that ended, or built
    /// on first use; built afresh in a forked child.
    fn of_this_process(slot: &mut Option<Driver>) -> Result<&mut Driver, Error> {
        let generation = crate::runtime::fork_generation();
        if slot.as_ref().is_some_and(|d| d.generation != generation) {
            // The parent's: dropping it would wait for threads that do not
            // exist here and close sockets the parent still uses.
            std::mem::forget(slot.take());
        }
        while slot.is_none() {
            let taken = spare().and_then(|mut spare| spare.pop());
            match taken {
                Some(driver) if driver.generation == generation => *slot = Some(driver),
                Some(parents) => std::mem::forget(parents),
                None => break,
            }
        }
        if slot.is_none() {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| Error::Config(format!("cannot start the I/O runtime: {e}")))?;
            *slot = Some(Driver {
                generation,
                runtime,
                pools: Vec::new(),
            });
        }
        slot.as_mut()
            .ok_or_else(|| Error::Config("cannot start the I/O runtime".into()))
    }
}
