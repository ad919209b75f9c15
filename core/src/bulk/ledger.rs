//! What a run owes and how it ends: the ledger of records fed and not yet
//! answered, and what is left of it when the engine's last event is in.

use std::collections::{BTreeSet, VecDeque};

use tokio::sync::mpsc;

use super::bell::Event;
use crate::error::Error;

/// What the run owes: records fed and not yet answered, and which of them
/// were handed to a request (their outcome is unknown if they are lost).
#[derive(Default)]
pub(super) struct Ledger {
    pub(super) owed: BTreeSet<usize>,
    pub(super) started: BTreeSet<usize>,
    /// Records whose outcome an earlier run left unknown, to be looked up:
    /// lost, they are unknown still, though this run sent nothing.
    pub(super) unknown_before: BTreeSet<usize>,
    pub(super) cancelled: bool,
    /// Ended by [`Run::abort`](super::Run::abort): what is owed comes out as `aborted`.
    pub(super) aborted: bool,
    /// Set by [`Run::stop`](super::Run::stop): no record is started any more.
    pub(super) stopping: bool,
}

pub(super) struct Output {
    pub(super) events: mpsc::Receiver<Event>,
    pub(super) ending: Option<Ending>,
}

/// A record still owed at the end: whether its request had started, and
/// whether its outcome was unknown from an earlier run.
#[derive(Debug, Clone, Copy)]
pub(super) struct Owed {
    pub(super) index: usize,
    pub(super) started: bool,
    pub(super) unknown_before: bool,
}

impl Owed {
    /// Whether it may have been processed (by this run or an earlier one).
    pub(super) fn outcome_unknown(&self) -> bool {
        self.started || self.unknown_before
    }
}

/// After the engine's last event: outcomes still owed, then the error.
pub(super) struct Ending {
    pub(super) owed: VecDeque<Owed>,
    pub(super) reason: String,
    pub(super) aborted: bool,
    pub(super) error: Option<Error>,
}
