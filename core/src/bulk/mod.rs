//! Many customers at once: a stream of requests in, a stream of indexed
//! outcomes out, at most `concurrency` requests in flight. Memory is bounded
//! by the window, whatever the input's length: the input is pulled only as
//! calls finish.
//!
//! [`Run`] is the handle every front end drives (Python's and Node's
//! `add_customers`, `kapture import`): feed records, take outcomes, and get
//! exactly one outcome for every record fed, even if the engine dies.

mod bell;
mod call;
mod journal;
mod ledger;
mod outcome;
mod run;
mod take;

use std::sync::Arc;

use futures_util::future::BoxFuture;
use std::collections::BTreeMap;

use futures_util::stream::{BoxStream, Stream, StreamExt};

use crate::client::Client;
use crate::error::Error;
use crate::model::AddCustomerRequest;
use crate::rate::SharedRate;
use crate::rate::pacer::Pacer;
use crate::settings;
use crate::upsert::MatchOn;
pub use bell::Notify;
pub use journal::RunJournal;
pub use outcome::{Outcome, Success};
pub use run::{Next, Run};

pub use crate::settings::DEFAULT_CONCURRENCY;

/// How a bulk run behaves. Build it with [`BulkOptions::new`], which checks
/// every value the way all front ends do.
#[derive(Debug, Clone, PartialEq)]
pub struct BulkOptions {
    /// Requests in flight at most (1 to 1024; default 8).
    pub concurrency: usize,
    /// Outcomes in input order (default). Unordered yields each outcome as
    /// soon as it is known, so one slow call does not hold back the others'
    /// results; the window stays bounded either way.
    pub ordered: bool,
    /// Requests started per second at most (`None`: as fast as the window
    /// allows). Either way the engine slows down by itself when the server
    /// answers 429 or 503, and speeds up again as calls succeed.
    pub rate: Option<f64>,
    /// Upsert each record by this key instead of adding it (see
    /// [`crate::upsert`]); `None` adds.
    pub upsert: Option<MatchOn>,
    /// `rate` is a budget shared with other processes (see
    /// [`crate::rate`]); `None` paces this run alone.
    pub shared_rate: Option<SharedRate>,
    /// In a journaled run, records an earlier run left unknown are looked
    /// up and settled (see [`crate::resume::reconcile`]) instead of being
    /// reported unknown again.
    pub reconcile: bool,
    /// Tests only (the `testing` feature): the engine panics after this many
    /// outcomes, to prove that every front end still gets one outcome per
    /// record and an error.
    #[cfg(feature = "testing")]
    #[doc(hidden)]
    pub fault_panic_after: Option<usize>,
}

impl Default for BulkOptions {
    fn default() -> Self {
        Self {
            concurrency: DEFAULT_CONCURRENCY,
            ordered: true,
            rate: None,
            upsert: None,
            shared_rate: None,
            reconcile: false,
            #[cfg(feature = "testing")]
            fault_panic_after: None,
        }
    }
}

impl BulkOptions {
    /// Checked options: `concurrency` a whole number from 1 to 1024 (`None`:
    /// the default), `rate` from 0.01 to 1,000,000 requests per second.
    pub fn new(concurrency: Option<f64>, ordered: bool, rate: Option<f64>) -> Result<Self, Error> {
        Ok(Self {
            concurrency: match concurrency {
                Some(n) => settings::concurrency(n)?,
                None => DEFAULT_CONCURRENCY,
            },
            ordered,
            rate: rate.map(settings::rate).transpose()?,
            upsert: None,
            shared_rate: None,
            reconcile: false,
            #[cfg(feature = "testing")]
            fault_panic_after: None,
        })
    }

    /// The run upserts by `key` (`phone` or `email`, as a front end's
    /// `upsert` option gives it) instead of adding; `None` leaves it adding.
    pub fn with_upsert(mut self, key: Option<&str>) -> Result<Self, Error> {
        self.upsert = key.map(|k| MatchOn::parse("upsert", k)).transpose()?;
        Ok(self)
    }

    /// The run's `rate` is shared: `scope` `"machine"` (a state file) or
    /// `limiter` a `redis://` URL, as a front end's options give them;
    /// `names` are the front end's names for scope, limiter and rate.
    pub fn with_shared_rate(
        mut self,
        scope: Option<&str>,
        limiter: Option<&str>,
        names: (&str, &str, &str),
    ) -> Result<Self, Error> {
        self.shared_rate = SharedRate::from_options(scope, limiter, self.rate, names)?;
        Ok(self)
    }

    /// The same checks on options built by hand.
    pub fn check(&self) -> Result<(), Error> {
        settings::concurrency(self.concurrency as f64)?;
        if let Some(rate) = self.rate {
            settings::rate(rate)?;
        }
        Ok(())
    }
}

/// An input item: a request, or the error its conversion already hit (a
/// record that did not validate), which comes out as that item's outcome so
/// one bad record never stops the rest.
pub type Input = Result<AddCustomerRequest, Error>;

/// Called with a record's index when the engine is about to send it (after
/// the pace allows), and awaited before the request goes out. An `Err`
/// becomes the record's outcome and nothing is sent: the import journals
/// "sending" here and stops sending after an authentication failure.
pub type BeforeSend = Arc<dyn Fn(usize) -> BoxFuture<'static, Result<(), Error>> + Send + Sync>;

/// Sends every request of `requests` with `client`; see the module docs.
pub fn add_customers<S>(
    client: &Client,
    requests: S,
    options: &BulkOptions,
) -> BoxStream<'static, Outcome>
where
    S: Stream<Item = Input> + Send + 'static,
{
    add_customers_with(client, requests, options, None)
}

/// [`add_customers`] with a [`BeforeSend`] hook.
pub fn add_customers_with<S>(
    client: &Client,
    requests: S,
    options: &BulkOptions,
    before_send: Option<BeforeSend>,
) -> BoxStream<'static, Outcome>
where
    S: Stream<Item = Input> + Send + 'static,
{
    add_customers_journaled(client, requests, options, before_send, None)
}

/// [`add_customers_with`], each record checked against `journal` before
/// it is sent and its outcome journaled after.
pub(crate) fn add_customers_journaled<S>(
    client: &Client,
    requests: S,
    options: &BulkOptions,
    before_send: Option<BeforeSend>,
    journal: Option<Arc<RunJournal>>,
) -> BoxStream<'static, Outcome>
where
    S: Stream<Item = Input> + Send + 'static,
{
    let client = client.clone();
    let pacer = Arc::new(match (&options.shared_rate, options.rate) {
        (Some(shared), Some(rate)) => Pacer::shared(rate, shared, &client.config().crm_key()),
        _ => Pacer::new(options.rate),
    });
    let upsert = options.upsert;
    let calls = requests.enumerate().map(move |(index, request)| {
        let call = call::Call {
            client: client.clone(),
            pacer: pacer.clone(),
            before_send: before_send.clone(),
            journal: journal.clone(),
            upsert,
        };
        call.run(index, request)
    });
    let window = options.concurrency.clamp(1, settings::MAX_CONCURRENCY);
    if options.ordered {
        in_order(calls, window)
    } else {
        calls.buffer_unordered(window).boxed()
    }
}

/// How far ahead of the oldest unanswered record an ordered run may start
/// calls, in windows: a record held up by retries does not stall the others,
/// and memory stays bounded (at most this many windows of outcomes wait, a
/// few MB at concurrency 64). The throughput it allows while one record
/// waits out a backoff is about this many windows per backoff: at 4 windows
/// a 2% share of 429s held a local run to 500 records/s; at 32, thousands.
pub(crate) const LOOKAHEAD_WINDOWS: usize = 32;

/// Ordered outcomes without head-of-line blocking: calls run unordered,
/// `window` at a time, up to `LOOKAHEAD_WINDOWS * window` records ahead of
/// the oldest one not yet answered; outcomes are handed out in input order.
/// (`buffered` would stop starting calls behind one slow record.)
// The gate yields the call itself, to run in `buffer_unordered`: on purpose.
#[allow(clippy::async_yields_async)]
fn in_order<S, F>(calls: S, window: usize) -> BoxStream<'static, Outcome>
where
    S: Stream<Item = F> + Send + 'static,
    F: std::future::Future<Output = Outcome> + Send + 'static,
{
    let ahead = Arc::new(tokio::sync::Semaphore::new(window * LOOKAHEAD_WINDOWS));
    let gated = calls
        .then(move |call| {
            let ahead = ahead.clone();
            async move {
                // Never closed, so this waits or succeeds.
                let slot = ahead.acquire_owned().await.ok();
                async move { (call.await, slot) }
            }
        })
        .buffer_unordered(window);
    InOrder {
        calls: Some(gated.boxed()),
        waiting: BTreeMap::new(),
        next: 0,
    }
    .boxed()
}

type Slot = Option<tokio::sync::OwnedSemaphorePermit>;

/// Puts outcomes back in input order. Every poll first takes in every
/// outcome that is ready (so calls keep moving while earlier outcomes are
/// handed out), then hands out the next one in order, releasing its slot.
struct InOrder {
    calls: Option<BoxStream<'static, (Outcome, Slot)>>,
    waiting: BTreeMap<usize, (Outcome, Slot)>,
    next: usize,
}

impl Stream for InOrder {
    type Item = Outcome;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Outcome>> {
        use std::task::Poll;
        let this = &mut *self;
        // Bounded: at most the lookahead's worth of outcomes can be ready.
        while let Some(calls) = this.calls.as_mut() {
            match calls.poll_next_unpin(cx) {
                Poll::Ready(Some((outcome, slot))) => {
                    this.waiting.insert(outcome.index, (outcome, slot));
                }
                Poll::Ready(None) => this.calls = None,
                Poll::Pending => break,
            }
        }
        if let Some((outcome, _slot)) = this.waiting.remove(&this.next) {
            this.next += 1;
            return Poll::Ready(Some(outcome));
        }
        if this.calls.is_none() {
            // Every index is produced once: nothing can be left waiting.
            return Poll::Ready(None);
        }
        Poll::Pending
    }
}
