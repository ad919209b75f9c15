//! What a bulk run gives for each record it was fed.

use crate::error::Error;
use crate::response::AddCustomerResponse;
use crate::resume::reconcile::Found;
use crate::upsert::UpsertAction;

/// The outcome of the input at position `index` (from 0).
#[derive(Debug)]
pub struct Outcome {
    pub index: usize,
    pub result: Result<Success, Error>,
    /// In an upsert run, what a record that succeeded did.
    pub action: Option<UpsertAction>,
    /// Settled from the run's journal, not sent (see [`crate::resume`]):
    /// added by an earlier run (`result` is the reply journaled then, or
    /// what it was found to be), or refused.
    pub from_journal: bool,
}

/// A record that succeeded.
#[derive(Debug, Clone)]
pub enum Success {
    /// Kapture's reply to its add (or update): this run's, or the one an
    /// earlier run journaled.
    Reply(AddCustomerResponse),
    /// Its outcome was unknown, and a run with `reconcile` found its
    /// customer (see [`crate::resume::reconcile`]): added, with no reply.
    Found(Found),
}

impl Success {
    /// The reply, when there is one.
    pub fn reply(&self) -> Option<&AddCustomerResponse> {
        match self {
            Success::Reply(reply) => Some(reply),
            Success::Found(_) => None,
        }
    }

    /// The reply, when there is one.
    pub fn into_reply(self) -> Option<AddCustomerResponse> {
        match self {
            Success::Reply(reply) => Some(reply),
            Success::Found(_) => None,
        }
    }

    /// Kapture's id of the customer added (or updated, or found).
    pub fn customer_id(&self) -> Option<i64> {
        match self {
            Success::Reply(reply) => reply.customer_id(),
            Success::Found(found) => found.customer_id.and_then(|id| i64::try_from(id).ok()),
        }
    }
}
