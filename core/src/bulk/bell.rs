//! How the engine tells a front end that waits without a thread (Node's
//! event loop) that an outcome or room is there: the run's bell, rung after
//! each outcome and each record taken, calling the front end only when it
//! armed the bell; and the engine's end of the outcome channel, which rings
//! last when the engine is gone.

use std::sync::{Arc, Mutex};

use tokio::sync::mpsc;

use super::Outcome;
use crate::sync::lock;

/// Called by the engine, on its own thread, when what a front end asked to
/// be told about may be there: an outcome (or the end) after
/// [`Run::try_next_batch`](super::Run::try_next_batch) found none, room after [`Run::try_feed_or_wait`](super::Run::try_feed_or_wait)
/// found the run full. A front end that cannot block or await a Rust future
/// (Node's event loop) waits for it instead of holding a thread per wait.
pub type Notify = Arc<dyn Fn() + Send + Sync>;

pub(super) enum Event {
    Outcome(Outcome),
    /// The engine panicked; the text of the panic.
    Died(String),
}

/// The [`Notify`] of a run and what it was asked for. The engine rings after
/// each outcome sent and each record taken, but calls `notify` only when a
/// front end armed it: once per wait, not per record.
#[derive(Clone, Default)]
pub(super) struct Bell {
    pub(super) notify: Option<Notify>,
    pub(super) armed: Arc<Mutex<Armed>>,
    /// Woken when the engine takes a record, for [`Run::input_wanted`].
    pub(super) taken: Arc<tokio::sync::Notify>,
}

#[derive(Default)]
pub(super) struct Armed {
    pub(super) outcome: bool,
    pub(super) room: bool,
}

impl Bell {
    /// An outcome was sent (or the engine ended): tell a waiting consumer.
    pub(super) fn outcome(&self) {
        self.ring(|armed| std::mem::take(&mut armed.outcome));
    }

    /// A record was taken off the input: tell a waiting feeder.
    pub(super) fn room(&self) {
        self.taken.notify_one();
        self.ring(|armed| std::mem::take(&mut armed.room));
    }

    /// The engine is gone: whoever waits, for anything, is told.
    pub(super) fn last(&self) {
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
pub(super) struct Outlet {
    pub(super) events: Option<mpsc::Sender<Event>>,
    pub(super) bell: Bell,
}

impl Outlet {
    pub(super) async fn send(&self, event: Event) -> bool {
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
