//! [`Run`]: a bulk run driven from outside the engine, one implementation for
//! every front end. Records are fed (each gets the next index), outcomes are
//! taken, and the run keeps a ledger of what it owes: if the engine dies
//! (a panic) or stops early, every record fed and not yet answered gets an
//! error outcome of its own, and then `next` fails, so no caller's loop can
//! end early and quietly.

use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex};

use futures_util::future::{AbortHandle, Abortable, BoxFuture, FutureExt};
use futures_util::stream::{self, StreamExt};
use tokio::sync::mpsc;

use super::RunJournal;
use super::bell::{Bell, Event, Notify, Outlet};
pub(super) use super::ledger::{Ending, Ledger, Output, Owed};
use super::{BeforeSend, BulkOptions, Input, Outcome, add_customers_journaled};
use crate::client::Client;
use crate::error::{Error, panic_text};
use crate::sync::lock;

pub struct Run {
    /// The options' `concurrency`: [`wants_input`](Self::wants_input) keeps
    /// this many records queued for the engine, no more.
    pub(super) concurrency: usize,
    feeder: Mutex<Feeder>,
    pub(super) output: tokio::sync::Mutex<Output>,
    pub(super) ledger: Arc<Mutex<Ledger>>,
    pub(super) abort: AbortHandle,
    pub(super) bell: Bell,
    /// A resumable run's journal ([`Run::start_journaled`]), until its
    /// input is closed: the engine's own reference ends with the engine, so
    /// the journal's lock is released when the run ends, not when a
    /// garbage collector frees this handle.
    journal: Mutex<Option<Arc<RunJournal>>>,
}

/// What [`Run::next_or_feed`] and [`Run::next_batch_or_feed`] found first.
#[derive(Debug)]
pub enum Next<T> {
    /// Outcomes (or the end), as the plain call returns them.
    Ready(T),
    /// The engine wants records: feed, then ask again.
    Feed,
}

struct Feeder {
    sender: Option<mpsc::Sender<Input>>,
    next_index: usize,
}

fn input_closed() -> Error {
    Error::Aborted {
        message: "the bulk run takes no more records (its input was closed or it was cancelled)"
            .into(),
        outcome_unknown: false,
    }
}

impl Run {
    /// A run of `client` with checked `options`. The returned future is the
    /// engine: spawn it on a tokio runtime (the caller's choice, so each
    /// binding keeps its own). `before_send` as in
    /// [`add_customers_with`](super::add_customers_with).
    pub fn start(
        client: &Client,
        options: BulkOptions,
        before_send: Option<BeforeSend>,
    ) -> Result<(Arc<Run>, BoxFuture<'static, ()>), Error> {
        Self::start_notified(client, options, before_send, None)
    }

    /// [`start`](Self::start), with the [`Notify`] that
    /// [`try_feed_or_wait`](Self::try_feed_or_wait) and
    /// [`try_next_batch`](Self::try_next_batch) arm.
    pub fn start_notified(
        client: &Client,
        options: BulkOptions,
        before_send: Option<BeforeSend>,
        notify: Option<Notify>,
    ) -> Result<(Arc<Run>, BoxFuture<'static, ()>), Error> {
        Self::start_inner(client, options, before_send, notify, None)
    }

    /// A resumable run: records are fed with their keys
    /// ([`try_feed_keyed_or_wait`](Self::try_feed_keyed_or_wait),
    /// [`feed_keyed`](Self::feed_keyed)) and checked against `journal`,
    /// which records each one sent (see [`crate::resume`]).
    pub fn start_journaled(
        client: &Client,
        options: BulkOptions,
        journal: RunJournal,
        notify: Option<Notify>,
    ) -> Result<(Arc<Run>, BoxFuture<'static, ()>), Error> {
        let journal = Arc::new(journal.reconciling(options.reconcile));
        let before_send: BeforeSend = {
            let journal = journal.clone();
            Arc::new(move |index| {
                let journal = journal.clone();
                async move { journal.sending(index).await }.boxed()
            })
        };
        Self::start_inner(client, options, Some(before_send), notify, Some(journal))
    }

    fn start_inner(
        client: &Client,
        options: BulkOptions,
        before_send: Option<BeforeSend>,
        notify: Option<Notify>,
        journal: Option<Arc<RunJournal>>,
    ) -> Result<(Arc<Run>, BoxFuture<'static, ()>), Error> {
        options.check()?;
        let concurrency = options.concurrency;
        let bell = Bell {
            notify,
            armed: Arc::default(),
            taken: Arc::default(),
        };
        // Room for the engine's lookahead of records too: a caller that feeds
        // only between outcomes (Python's sync iterator) leaves the engine
        // enough to work on while an earlier record waits out a backoff.
        let (input, requests) =
            mpsc::channel::<Input>(options.concurrency * super::LOOKAHEAD_WINDOWS);
        // Room for the engine's whole lookahead of outcomes: a burst of them
        // (after a record held up by retries is answered) does not stop the
        // engine while the consumer takes them one by one, and what is held
        // stays bounded.
        let (events, output) =
            mpsc::channel::<Event>(options.concurrency * super::LOOKAHEAD_WINDOWS);
        let ledger = Arc::new(Mutex::new(Ledger::default()));

        let hook: BeforeSend = {
            let ledger = ledger.clone();
            Arc::new(move |index| {
                let (ledger, user) = (ledger.clone(), before_send.clone());
                async move {
                    if let Some(user) = user {
                        user(index).await?;
                    }
                    let mut ledger = lock(&ledger);
                    if ledger.stopping {
                        return Err(Error::Aborted {
                            message: "the run was stopped (its client was closed) before this \
                                      record was sent"
                                .into(),
                            outcome_unknown: false,
                        });
                    }
                    ledger.started.insert(index);
                    Ok(())
                }
                .boxed()
            })
        };
        let requests = stream::unfold((requests, bell.clone()), |(mut rx, bell)| async move {
            let item = rx.recv().await;
            bell.room();
            item.map(|item| (item, (rx, bell)))
        });
        let client = client.clone();
        let engine_journal = journal.clone();
        let outlet = Outlet {
            events: Some(events),
            bell: bell.clone(),
        };
        let engine = async move {
            let outlet = outlet;
            let work = AssertUnwindSafe(async {
                let mut outcomes = add_customers_journaled(
                    &client,
                    requests,
                    &options,
                    Some(hook),
                    engine_journal,
                );
                #[cfg(feature = "testing")]
                let mut delivered = 0usize;
                while let Some(outcome) = outcomes.next().await {
                    #[cfg(feature = "testing")]
                    {
                        if options.fault_panic_after == Some(delivered) {
                            panic!("injected engine failure (a test fault)");
                        }
                        delivered += 1;
                    }
                    if !outlet.send(Event::Outcome(outcome)).await {
                        return; // nobody takes outcomes any more
                    }
                }
            })
            .catch_unwind()
            .await;
            if let Err(payload) = work {
                outlet.send(Event::Died(panic_text(&*payload))).await;
            }
        };
        let (abort, registration) = AbortHandle::new_pair();
        let engine = Abortable::new(engine, registration).map(drop).boxed();
        let run = Arc::new(Run {
            concurrency,
            feeder: Mutex::new(Feeder {
                sender: Some(input),
                next_index: 0,
            }),
            output: tokio::sync::Mutex::new(Output {
                events: output,
                ending: None,
            }),
            ledger,
            abort,
            bell,
            journal: Mutex::new(journal),
        });
        Ok((run, engine))
    }

    fn sender(&self) -> Result<mpsc::Sender<Input>, Error> {
        lock(&self.feeder).sender.clone().ok_or_else(input_closed)
    }

    /// True when a record can be fed now without waiting.
    pub fn has_room(&self) -> bool {
        self.sender().is_ok_and(|s| s.capacity() > 0)
    }

    /// True while the engine is short of records: fewer than `concurrency`
    /// fed and not yet taken by it (and the input still open). A front end
    /// that feeds only on this (Python's iterators, through
    /// [`next_or_feed`](Self::next_or_feed)) keeps `concurrency` calls busy
    /// and runs no further ahead: when its caller stops taking outcomes, at
    /// most the calls in flight and that many records more are sent.
    pub fn wants_input(&self) -> bool {
        self.queued()
            .is_some_and(|queued| queued < self.concurrency)
    }

    /// Records fed and not yet taken by the engine; `None` once the input
    /// is closed (or the engine gone).
    fn queued(&self) -> Option<usize> {
        let sender = self.sender().ok()?;
        (!sender.is_closed()).then(|| sender.max_capacity() - sender.capacity())
    }

    /// True when the queue is down to half of `concurrency`: then
    /// [`next_or_feed`](Self::next_or_feed) asks for records, and the caller
    /// fills the queue again while [`wants_input`](Self::wants_input), so
    /// it is asked about once per half window, not once per record.
    fn hungry(&self) -> bool {
        self.queued()
            .is_some_and(|queued| queued <= self.concurrency / 2)
    }

    /// Completes once the engine is [`hungry`](Self::hungry); never while
    /// the input is closed.
    async fn input_wanted(&self) {
        loop {
            // A wake-up that came before the look is kept as a permit.
            let taken = self.bell.taken.notified();
            if self.hungry() {
                return;
            }
            taken.await;
        }
    }

    /// The next outcome ([`next`](Self::next)), or [`Next::Feed`] as soon
    /// as the engine runs short of records (half of `concurrency` queued or
    /// fewer): feed while [`wants_input`](Self::wants_input), then ask
    /// again.
    pub async fn next_or_feed(&self) -> Result<Next<Option<Outcome>>, Error> {
        if self.hungry() {
            return Ok(Next::Feed);
        }
        tokio::select! {
            biased;
            next = self.next() => next.map(Next::Ready),
            () = self.input_wanted() => Ok(Next::Feed),
        }
    }

    /// [`next_batch`](Self::next_batch), or [`Next::Feed`] as soon as the
    /// engine wants records.
    pub async fn next_batch_or_feed(&self, max: usize) -> Result<Next<Vec<Outcome>>, Error> {
        if self.hungry() {
            return Ok(Next::Feed);
        }
        tokio::select! {
            biased;
            batch = self.next_batch(max) => batch.map(Next::Ready),
            () = self.input_wanted() => Ok(Next::Feed),
        }
    }

    /// [`has_room`](Self::has_room); when false, the run's [`Notify`] is
    /// called once the engine takes a record (or ends). True, too, when the
    /// run takes no more records, so that the caller's `try_feed` says why.
    pub fn has_room_or_wait(&self) -> bool {
        let mut armed = lock(&self.bell.armed);
        match self.sender() {
            Ok(sender) if sender.capacity() == 0 && !sender.is_closed() => {
                armed.room = true;
                false
            }
            _ => true,
        }
    }

    /// Feeds a record if there is room now: `Ok(Ok(index))`, or
    /// `Ok(Err(input))` handing it back when the run is full.
    pub fn try_feed(&self, input: Input) -> Result<Result<usize, Input>, Error> {
        self.try_feed_as(None, input)
    }

    /// [`try_feed`](Self::try_feed) of a resumable run's record, with its
    /// key.
    pub fn try_feed_keyed(&self, key: String, input: Input) -> Result<Result<usize, Input>, Error> {
        self.try_feed_as(Some(key), input)
    }

    /// [`try_feed_or_wait`](Self::try_feed_or_wait) of a resumable run's
    /// record, with its key.
    pub fn try_feed_keyed_or_wait(
        &self,
        key: String,
        input: Input,
    ) -> Result<Result<usize, Input>, Error> {
        let mut armed = lock(&self.bell.armed);
        let fed = self.try_feed_as(Some(key), input)?;
        if fed.is_err() {
            armed.room = true;
        }
        Ok(fed)
    }

    /// The journal decides what becomes of the record before the engine
    /// can see it; `true` when it is to be looked up (unknown from an
    /// earlier run).
    fn admit(&self, index: usize, key: Option<String>, input: &Input) -> Result<bool, Error> {
        let journal = lock(&self.journal).clone();
        match (&journal, key) {
            (Some(journal), Some(key)) => Ok(journal.admit(index, key, input)),
            // A record that failed already needs no key: its error is its
            // outcome, and nothing is journaled.
            (None, None) | (Some(_), None) if input.is_err() => Ok(false),
            (None, None) => Ok(false),
            (Some(_), None) => Err(Error::Config(
                "this run has a journal: each record is fed with its key".into(),
            )),
            (None, Some(_)) => Err(Error::Config(
                "a record was fed with a key to a run without a journal".into(),
            )),
        }
    }

    fn try_feed_as(
        &self,
        key: Option<String>,
        input: Input,
    ) -> Result<Result<usize, Input>, Error> {
        let mut feeder = lock(&self.feeder);
        let Some(sender) = feeder.sender.clone() else {
            return Err(input_closed());
        };
        let permit = match sender.try_reserve() {
            Ok(permit) => permit,
            Err(mpsc::error::TrySendError::Full(())) => return Ok(Err(input)),
            Err(mpsc::error::TrySendError::Closed(())) => return Err(self.stopped()),
        };
        let index = feeder.next_index;
        let unknown_before = self.admit(index, key, &input)?;
        feeder.next_index += 1;
        let mut ledger = lock(&self.ledger);
        ledger.owed.insert(index);
        if unknown_before {
            ledger.unknown_before.insert(index);
        }
        drop(ledger);
        permit.send(input);
        Ok(Ok(index))
    }

    /// [`try_feed`](Self::try_feed) that, when the run is full, has the
    /// run's [`Notify`] called once the engine takes a record (or ends).
    pub fn try_feed_or_wait(&self, input: Input) -> Result<Result<usize, Input>, Error> {
        let mut armed = lock(&self.bell.armed);
        let fed = self.try_feed(input)?;
        if fed.is_err() {
            armed.room = true;
        }
        Ok(fed)
    }

    /// Feeds a record, waiting for room; its index.
    pub async fn feed(&self, input: Input) -> Result<usize, Error> {
        self.feed_as(None, input).await
    }

    /// [`feed`](Self::feed) of a resumable run's record, with its key.
    pub async fn feed_keyed(&self, key: String, input: Input) -> Result<usize, Error> {
        self.feed_as(Some(key), input).await
    }

    async fn feed_as(&self, key: Option<String>, input: Input) -> Result<usize, Error> {
        let sender = self.sender()?;
        let permit = sender.reserve().await.map_err(|_| self.stopped())?;
        // Index and send under one lock, so indexes follow the channel order.
        let mut feeder = lock(&self.feeder);
        if feeder.sender.is_none() {
            return Err(input_closed());
        }
        let index = feeder.next_index;
        let unknown_before = self.admit(index, key, &input)?;
        feeder.next_index += 1;
        let mut ledger = lock(&self.ledger);
        ledger.owed.insert(index);
        if unknown_before {
            ledger.unknown_before.insert(index);
        }
        drop(ledger);
        permit.send(input);
        Ok(index)
    }

    fn stopped(&self) -> Error {
        Error::Internal {
            message: "the bulk engine stopped taking records".into(),
            outcome_unknown: false,
        }
    }

    /// No more records: the outcomes end after the last one fed.
    pub fn close_input(&self) {
        lock(&self.feeder).sender = None;
        lock(&self.journal).take();
    }

    /// Abandons the run: nothing more is fed, calls in flight are dropped
    /// (their outcome is unknown), and outcomes end at once.
    pub fn cancel(&self) {
        lock(&self.ledger).cancelled = true;
        self.close_input();
        self.abort.abort();
    }

    /// Ends the run now (Node's `AbortSignal`): nothing more is fed or
    /// sent, calls in flight are dropped, and every record fed and not yet
    /// answered comes out as [`Error::Aborted`], `outcome_unknown` when its
    /// request had been started. The outcomes then end without an error.
    pub fn abort(&self) {
        lock(&self.ledger).aborted = true;
        self.close_input();
        self.abort.abort();
    }

    /// Stops the run gently (a client closed while the run goes on):
    /// nothing more is fed or started, calls in flight finish with their
    /// own outcomes, and records fed but not yet sent come out as
    /// [`Error::Aborted`] (nothing sent). The outcomes then end.
    pub fn stop(&self) {
        lock(&self.ledger).stopping = true;
        self.close_input();
    }

    /// Records fed so far.
    pub fn fed(&self) -> usize {
        lock(&self.feeder).next_index
    }
}

impl Drop for Run {
    fn drop(&mut self) {
        // Nobody can take the outcomes any more: stop the engine.
        self.abort.abort();
    }
}
