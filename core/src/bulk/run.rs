//! [`Run`]: a bulk run driven from outside the engine, one implementation for
//! every front end. Records are fed (each gets the next index), outcomes are
//! taken, and the run keeps a ledger of what it owes: if the engine dies
//! (a panic) or stops early, every record fed and not yet answered gets an
//! error outcome of its own, and then `next` fails, so no caller's loop can
//! end early and quietly.

use std::collections::{BTreeSet, VecDeque};
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex, MutexGuard};

use futures_util::future::{AbortHandle, Abortable, BoxFuture, FutureExt};
use futures_util::stream::{self, StreamExt};
use tokio::sync::mpsc;

use super::{BeforeSend, BulkOptions, Input, Outcome, add_customers_with};
use crate::client::Client;
use crate::error::{Error, panic_text};

pub struct Run {
    feeder: Mutex<Feeder>,
    output: tokio::sync::Mutex<Output>,
    ledger: Arc<Mutex<Ledger>>,
    abort: AbortHandle,
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
        options.check()?;
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
                    lock(&ledger).started.insert(index);
                    Ok(())
                }
                .boxed()
            })
        };
        let requests = stream::unfold(requests, |mut rx| async move {
            rx.recv().await.map(|item| (item, rx))
        });
        let client = client.clone();
        let died = events.clone();
        let engine = async move {
            let work = AssertUnwindSafe(async move {
                let mut outcomes = add_customers_with(&client, requests, &options, Some(hook));
                let mut delivered = 0usize;
                while let Some(outcome) = outcomes.next().await {
                    if options.fault_panic_after == Some(delivered) {
                        panic!("injected engine failure (a test fault)");
                    }
                    if events.send(Event::Outcome(outcome)).await.is_err() {
                        return; // nobody takes outcomes any more
                    }
                    delivered += 1;
                }
            })
            .catch_unwind()
            .await;
            if let Err(payload) = work {
                let _ = died.send(Event::Died(panic_text(&*payload))).await;
            }
        };
        let (abort, registration) = AbortHandle::new_pair();
        let engine = Abortable::new(engine, registration).map(drop).boxed();
        let run = Arc::new(Run {
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
            if let Some(ending) = &mut output.ending {
                if let Some((index, started)) = ending.owed.pop_front() {
                    let error = if ending.aborted {
                        Error::Aborted {
                            message: if started {
                                "the run was aborted while this record's request was on its way"
                                    .into()
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
                return match ending.error.take() {
                    Some(error) => Err(error),
                    None => Ok(None),
                };
            }
            match output.events.recv().await {
                Some(Event::Outcome(outcome)) => return Ok(Some(self.answered(outcome))),
                Some(Event::Died(text)) => output.ending = Some(self.ending(Some(text))),
                None => output.ending = Some(self.ending(None)),
            }
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
        // Only plain outcomes already in the channel; anything else (the end,
        // a dead engine, what is owed after it) is left for `next`.
        if let Ok(mut output) = self.output.try_lock() {
            while batch.len() < max.max(1) && output.ending.is_none() {
                match output.events.try_recv() {
                    Ok(Event::Outcome(outcome)) => batch.push(self.answered(outcome)),
                    Ok(Event::Died(text)) => output.ending = Some(self.ending(Some(text))),
                    Err(_) => break,
                }
            }
        }
        Ok(batch)
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
