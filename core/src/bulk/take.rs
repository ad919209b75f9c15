//! Taking a run's outcomes: one at a time or in batches, then, if the
//! engine died or stopped early, an error outcome for every record still
//! owed, and the run's error once.

use std::collections::VecDeque;

use super::Outcome;
use tokio::sync::mpsc::error::TryRecvError;

use super::bell::Event;
use super::run::{Ending, Output, Owed, Run};
use crate::error::Error;
use crate::sync::lock;

impl Run {
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
        if let Some(owed) = ending.owed.pop_front() {
            let index = owed.index;
            let error = if owed.unknown_before && !owed.started {
                // Nothing sent by this run; an earlier run's call may have
                // been processed.
                Error::Aborted {
                    message: format!(
                        "its outcome is unknown from an earlier run, and this run ended ({}) \
                         before it was looked up; not sent",
                        if ending.aborted {
                            "aborted"
                        } else {
                            ending.reason.as_str()
                        }
                    ),
                    outcome_unknown: true,
                }
            } else if ending.aborted && !owed.started {
                Error::record_aborted_before_sending()
            } else if ending.aborted {
                Error::Aborted {
                    message: "the run was aborted while this record's request was on its way"
                        .into(),
                    outcome_unknown: true,
                }
            } else {
                Error::Internal {
                    message: format!("{}; this record got no reply", ending.reason),
                    outcome_unknown: owed.started,
                }
            };
            return Ok(Some(Outcome {
                index,
                result: Err(error),
                action: None,
                from_journal: false,
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
    /// outcome is there yet, and then the run's [`Notify`](super::Notify) is called once
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
        ledger.unknown_before.remove(&outcome.index);
        outcome
    }

    fn ending(&self, died: Option<String>) -> Ending {
        self.close_input();
        let mut ledger = lock(&self.ledger);
        let owed: VecDeque<Owed> = if ledger.cancelled {
            VecDeque::new()
        } else {
            ledger
                .owed
                .iter()
                .map(|&index| Owed {
                    index,
                    started: ledger.started.contains(&index),
                    unknown_before: ledger.unknown_before.contains(&index),
                })
                .collect()
        };
        ledger.owed.clear();
        ledger.started.clear();
        ledger.unknown_before.clear();
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
            outcome_unknown: owed.iter().any(Owed::outcome_unknown),
        };
        Ending {
            owed,
            reason,
            aborted: false,
            error: Some(error),
        }
    }
}
