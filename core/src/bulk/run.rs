//! [`Run`]: a bulk run driven from outside the engine, one implementation for
//! every front end. Records are fed (each gets the next index), outcomes are
//! taken, and the run keeps a ledger of what it owes: if the engine dies
//! (a panic) or stops early, every record fed and not yet answered gets an
//! error outcome of its own, and then `next` fails, so no caller's loop can
//! end early and quietly.

use std::collections::{BTreeSet, VecDeque};
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::mpsc::error::TryRecvError;

use futures_util::future::{AbortHandle, Abortable, BoxFuture, FutureExt};
use futures_util::stream::{self, StreamExt};
use tokio::sync::mpsc;

use super::{BeforeSend, BulkOptions, Input, Outcome, add_customers_with};
use crate::client::Client;
use crate::error::{Error, panic_text};

pub struct Run {
    /// The options' `concurrency`: [`wants_input`](Self::wants_input) keeps
    /// this many records queued for the engine, no more.
    concurrency: usize,
    feeder: Mutex<Feeder>,
    output: tokio::sync::Mutex<Output>,
    ledger: Arc<Mutex<Ledger>>,
    abort: AbortHandle,
    bell: Bell,
}

/// What [`Run::next_or_feed`] and [`Run::next_batch_or_feed`] found first.
#[derive(Debug)]
pub enum Next<T> {
    /// Outcomes (or the end), as the plain call returns them.
    Ready(T),
    /// The engine wants records: feed, then ask again.
    Feed,
}

/// Called by the engine, on its own thread, when what a front end asked to
/// be told about may be there: an outcome (or the end) after
/// [`Run::try_next_batch`] found none, room after [`Run::try_feed_or_wait`]
/// found the run full. A front end that cannot block or await a Rust future
/// (Node's event loop) waits for it instead of holding a thread per wait.
pub type Notify = Arc<dyn Fn() + Send + Sync>;

/// The [`Notify`] of a run and what it was asked for. The engine rings after
/// each outcome sent and each record taken, but calls `notify` only when a
/// front end armed it: once per wait, not per record.
#[derive(Clone, Default)]
struct Bell {
    notify: Option<Notify>,
    armed: Arc<Mutex<Armed>>,
    /// Woken when the engine takes a record, for [`Run::input_wanted`].
    taken: Arc<tokio::sync::Notify>,
}

#[derive(Default)]
struct Armed {
    outcome: bool,
    room: bool,
}

impl Bell {
    /// An outcome was sent (or the engine ended): tell a waiting consumer.
    fn outcome(&self) {
        self.ring(|armed| std::mem::take(&mut armed.outcome));
    }

    /// A record was taken off the input: tell a waiting feeder.
    fn room(&self) {
        self.taken.notify_one();
        self.ring(|armed| std::mem::take(&mut armed.room));
    }

    /// The engine is gone: whoever waits, for anything, is told.
    fn last(&self) {
        self.ring(|armed| std::mem::take(&mut armed.outcome) | std::mem::take(&mut armed.room));
    }

    fn ring(&self, take: impl FnOnce(&mut Armed) -> bool) {
        // A run nobody waits on this way pays no lock.
        let Some(notify) = &self.notify else {
            return;
        };
        // The flag is read under the lock the waiter armed it under, after
        // the event was made visible: a waiter that looked first is told,
        // and one that looks later sees the event.
        if take(&mut lock(&self.armed)) {
            notify();
        }
    }
}

/// The engine's end of the outcome channel: when it is dropped (the engine
/// finished, failed or was aborted) the channel closes first and the bell
/// rings after, so a notified front end finds the end.
struct Outlet {
    events: Option<mpsc::Sender<Event>>,
    bell: Bell,
}

impl Outlet {
    async fn send(&self, event: Event) -> bool {
        let Some(events) = &self.events else {
            return false;
        };
        let sent = events.send(event).await.is_ok();
        self.bell.outcome();
        sent
    }
}

impl Drop for Outlet {
    fn drop(&mut self) {
        drop(self.events.take());
        self.bell.last();
    }
}

struct Feeder {
    sender: Option<mpsc::Sender<Input>>,
    next_index: usize,
}

/// What the run owes: records fed and not yet answered, and which of them
/// were handed to a request (their outcome is unknown if they are lost).
#[derive(Default)]
struct Ledger {
    owed: BTreeSet<usize>,
    started: BTreeSet<usize>,
    cancelled: bool,
    /// Ended by [`Run::abort`]: what is owed comes out as `aborted`.
    aborted: bool,
    /// Set by [`Run::stop`]: no record is started any more.
    stopping: bool,
}

enum Event {
    Outcome(Outcome),
    /// The engine panicked; the text of the panic.
    Died(String),
}

struct Output {
    events: mpsc::Receiver<Event>,
    ending: Option<Ending>,
}

/// After the engine's last event: outcomes still owed, then the error.
struct Ending {
    owed: VecDeque<(usize, bool)>,
    reason: String,
    aborted: bool,
    error: Option<Error>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
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
        let outlet = Outlet {
            events: Some(events),
            bell: bell.clone(),
        };
        let engine = async move {
            let outlet = outlet;
            let work = AssertUnwindSafe(async {
                let mut outcomes = add_customers_with(&client, requests, &options, Some(hook));
                let mut delivered = 0usize;
                while let Some(outcome) = outcomes.next().await {
                    if options.fault_panic_after == Some(delivered) {
                        panic!("injected engine failure (a test fault)");
                    }
                    if !outlet.send(Event::Outcome(outcome)).await {
                        return; // nobody takes outcomes any more
                    }
                    delivered += 1;
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
        feeder.next_index += 1;
        lock(&self.ledger).owed.insert(index);
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
        let sender = self.sender()?;
        let permit = sender.reserve().await.map_err(|_| self.stopped())?;
        // Index and send under one lock, so indexes follow the channel order.
        let mut feeder = lock(&self.feeder);
        if feeder.sender.is_none() {
            return Err(input_closed());
        }
        let index = feeder.next_index;
        feeder.next_index += 1;
        lock(&self.ledger).owed.insert(index);
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

    /// The next outcome; `Ok(None)` after the last. If the engine died, each
    /// record still owed comes out as an [`Error::Internal`] outcome
    /// (`outcome_unknown` when it had been handed to a request), and then
    /// this returns that error once.
    pub async fn next(&self) -> Result<Option<Outcome>, Error> {
        let mut output = self.output.lock().await;
        loop {
            if let Some(next) = self.ready(&mut output) {
                return next;
            }
            let event = output.events.recv().await;
            if let Some(outcome) = self.absorb(&mut output, event) {
                return Ok(Some(outcome));
            }
        }
    }

    /// What [`next`](Self::next) would return now, or `None` if it would
    /// have to wait.
    fn ready(&self, output: &mut Output) -> Option<Result<Option<Outcome>, Error>> {
        loop {
            if let Some(ending) = &mut output.ending {
                return Some(Self::after_end(ending));
            }
            let event = match output.events.try_recv() {
                Ok(event) => Some(event),
                Err(TryRecvError::Empty) => return None,
                Err(TryRecvError::Disconnected) => None,
            };
            if let Some(outcome) = self.absorb(output, event) {
                return Some(Ok(Some(outcome)));
            }
        }
    }

    /// An event from the engine (`None`: it is gone): an outcome, or the
    /// start of the end.
    fn absorb(&self, output: &mut Output, event: Option<Event>) -> Option<Outcome> {
        match event {
            Some(Event::Outcome(outcome)) => return Some(self.answered(outcome)),
            Some(Event::Died(text)) => output.ending = Some(self.ending(Some(text))),
            None => output.ending = Some(self.ending(None)),
        }
        None
    }

    /// After the engine's last event: each record still owed, then the
    /// error (or the plain end).
    fn after_end(ending: &mut Ending) -> Result<Option<Outcome>, Error> {
        if let Some((index, started)) = ending.owed.pop_front() {
            let error = if ending.aborted {
                Error::Aborted {
                    message: if started {
                        "the run was aborted while this record's request was on its way".into()
                    } else {
                        "the run was aborted before this record was sent".into()
                    },
                    outcome_unknown: started,
                }
            } else {
                Error::Internal {
                    message: format!("{}; this record got no reply", ending.reason),
                    outcome_unknown: started,
                }
            };
            return Ok(Some(Outcome {
                index,
                result: Err(error),
            }));
        }
        match ending.error.take() {
            Some(error) => Err(error),
            None => Ok(None),
        }
    }

    /// Up to `max` outcomes at once (at least one): waits for the first like
    /// [`next`](Self::next), then takes those already waiting. Empty after
    /// the last. A front end that crosses a language boundary per call (Node)
    /// pays that crossing once per batch instead of once per record.
    pub async fn next_batch(&self, max: usize) -> Result<Vec<Outcome>, Error> {
        let mut batch = Vec::new();
        match self.next().await? {
            Some(outcome) => batch.push(outcome),
            None => return Ok(batch),
        }
        if let Ok(mut output) = self.output.try_lock() {
            self.more(&mut output, &mut batch, max);
        }
        Ok(batch)
    }

    /// [`next_batch`](Self::next_batch) without waiting: `None` when no
    /// outcome is there yet, and then the run's [`Notify`] is called once
    /// one is (or the end). Never blocks the calling thread.
    pub fn try_next_batch(&self, max: usize) -> Option<Result<Vec<Outcome>, Error>> {
        // Another caller waiting in `next` takes what comes first; this
        // one is told of what comes after.
        let mut output = self.output.try_lock().ok();
        // Armed under the lock the engine reads the flag under, after
        // looking: no outcome slips between the look and the arming.
        let mut armed = lock(&self.bell.armed);
        let first = match output.as_deref_mut().and_then(|output| self.ready(output)) {
            Some(first) => first,
            None => {
                armed.outcome = true;
                return None;
            }
        };
        drop(armed);
        let mut batch = Vec::new();
        match first {
            Err(error) => return Some(Err(error)),
            Ok(None) => return Some(Ok(batch)),
            Ok(Some(outcome)) => batch.push(outcome),
        }
        if let Some(output) = output.as_deref_mut() {
            self.more(output, &mut batch, max);
        }
        Some(Ok(batch))
    }

    /// Adds the plain outcomes already in the channel to `batch`, up to
    /// `max`; anything else (the end, a dead engine, what is owed after it)
    /// is left for the next call.
    fn more(&self, output: &mut Output, batch: &mut Vec<Outcome>, max: usize) {
        while batch.len() < max.max(1) && output.ending.is_none() {
            match output.events.try_recv() {
                Ok(Event::Outcome(outcome)) => batch.push(self.answered(outcome)),
                Ok(Event::Died(text)) => output.ending = Some(self.ending(Some(text))),
                Err(_) => break,
            }
        }
    }

    /// An outcome leaves the ledger of what is owed.
    fn answered(&self, outcome: Outcome) -> Outcome {
        let mut ledger = lock(&self.ledger);
        ledger.owed.remove(&outcome.index);
        ledger.started.remove(&outcome.index);
        outcome
    }

    fn ending(&self, died: Option<String>) -> Ending {
        self.close_input();
        let mut ledger = lock(&self.ledger);
        let owed: VecDeque<(usize, bool)> = if ledger.cancelled {
            VecDeque::new()
        } else {
            ledger
                .owed
                .iter()
                .map(|i| (*i, ledger.started.contains(i)))
                .collect()
        };
        ledger.owed.clear();
        ledger.started.clear();
        let aborted = ledger.aborted && died.is_none();
        if aborted || (owed.is_empty() && died.is_none()) {
            return Ending {
                owed,
                reason: String::new(),
                aborted,
                error: None,
            };
        }
        let reason = match died {
            Some(text) => format!("the bulk engine failed ({text})"),
            None => "the bulk engine stopped early".to_string(),
        };
        let error = Error::Internal {
            message: format!(
                "{reason}: the run ended after {} record(s) got an error outcome in its place; \
                 records not yet fed were not sent",
                owed.len()
            ),
            outcome_unknown: owed.iter().any(|(_, started)| *started),
        };
        Ending {
            owed,
            reason,
            aborted: false,
            error: Some(error),
        }
    }
}

impl Drop for Run {
    fn drop(&mut self) {
        // Nobody can take the outcomes any more: stop the engine.
        self.abort.abort();
    }
}
