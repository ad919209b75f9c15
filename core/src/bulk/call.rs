//! One record's call in a bulk run: settled from the run's journal, looked
//! up first (a journaled run that reconciles), or sent.

use std::sync::Arc;

use super::journal::RunJournal;
use super::{BeforeSend, Input, Outcome, Success};
use crate::client::Client;
use crate::error::Error;
use crate::log::{TARGET_RECONCILE, redact};
use crate::model::AddCustomerRequest;
use crate::rate::pacer::Pacer;
use crate::resume::reconcile::{self, Looked};
use crate::upsert::{MatchOn, UpsertAction};

/// What every record's call of a run shares.
pub(super) struct Call {
    pub(super) client: Client,
    pub(super) pacer: Arc<Pacer>,
    pub(super) before_send: Option<BeforeSend>,
    pub(super) journal: Option<Arc<RunJournal>>,
    pub(super) upsert: Option<MatchOn>,
}

impl Call {
    /// The outcome of the record fed as `index`.
    pub(super) async fn run(self, index: usize, request: Input) -> Outcome {
        let journal = self.journal.as_deref();
        if let Some((result, action)) = journal.and_then(|j| j.settled(index)) {
            return outcome(index, result, action, true);
        }
        let request = match request {
            Ok(request) => request,
            Err(error) => return outcome(index, Err(error), None, false),
        };
        let mut resending = false;
        if let Some(journal) = journal
            && journal
                .to_reconcile(index, self.client.config().timeout)
                .await
        {
            if let Some(settled) = self.look_up(index, journal, &request).await {
                return outcome(index, settled, None, true);
            }
            resending = true;
        }
        let (mut result, mut action) = match self.ready(index).await {
            Ok(()) => send(&self.client, &self.pacer, &request, self.upsert).await,
            Err(error) => (Err(error), None),
        };
        // Sent again after the lookup found no one, and refused as a
        // duplicate of customer N: the earlier run's add was there after all.
        if resending
            && let Err(error) = &result
            && let Some(found) = reconcile::found_in_refusal(error)
        {
            (result, action) = (Ok(Success::Found(found)), None);
        }
        if let Some(journal) = journal {
            journal.record(index, &result, action);
        }
        outcome(index, result, action, false)
    }

    /// The pace allows the call, and the hook (the journal's "sending"
    /// line) has run.
    async fn ready(&self, index: usize) -> Result<(), Error> {
        self.pacer.wait_turn().await?;
        match &self.before_send {
            Some(hook) => hook(index).await,
            None => Ok(()),
        }
    }

    /// Looks up a record whose outcome an earlier run left unknown: its
    /// outcome when settled (found, or still unknown), `None` to send it.
    async fn look_up(
        &self,
        index: usize,
        journal: &RunJournal,
        request: &AddCustomerRequest,
    ) -> Option<Result<Success, Error>> {
        let looked = match self.pacer.wait_turn().await {
            Ok(()) => reconcile::look_up(&self.client, request, self.upsert).await,
            Err(error) => Err(error),
        };
        let upsert = matches!(looked, Ok(Looked::Upsert));
        let settled = match looked {
            Ok(Looked::Missing | Looked::Upsert) => None,
            Ok(Looked::Found(found)) => Some(Ok(found)),
            Ok(Looked::Unsettled(why)) => Some(Err(why)),
            Err(error) => Some(Err(format!("the lookup failed ({error})"))),
        };
        let settled = journal.reconciled(index, settled);
        let said = match &settled {
            None if upsert => "an upsert whose outcome was unknown; sending it again".to_string(),
            None => "not found by lookup; sending it again".to_string(),
            Some(Ok(found)) => format!(
                "found customer {} by lookup; not sent again",
                found_id(found)
            ),
            Some(Err(error)) => redact(&error.to_string()),
        };
        self.client
            .config()
            .log
            .emit(|| tracing::info!(target: TARGET_RECONCILE, index, "record {index}: {said}"));
        settled
    }
}

fn found_id(found: &Success) -> String {
    found
        .customer_id()
        .map_or_else(|| "(no id)".to_string(), |id| id.to_string())
}

fn outcome(
    index: usize,
    result: Result<Success, Error>,
    action: Option<UpsertAction>,
    from_journal: bool,
) -> Outcome {
    Outcome {
        index,
        result,
        action,
        from_journal,
    }
}

/// One request (an add, or an upsert's lookups and write), telling the
/// pacer of push-back and success.
async fn send(
    client: &Client,
    pacer: &Pacer,
    request: &AddCustomerRequest,
    upsert: Option<MatchOn>,
) -> (Result<Success, Error>, Option<UpsertAction>) {
    let throttled = |error: &Error| {
        if matches!(
            error,
            Error::RateLimited { .. } | Error::Server { status: 503, .. }
        ) && let Some((from, to)) = pacer.throttled()
        {
            crate::rate::log_lowered(&client.config().log, "", from, to, error.code());
        }
    };
    let (result, action) = match upsert {
        None => (
            client.add_customer_observed(request, &throttled).await,
            None,
        ),
        Some(on) => match client.upsert_customer(request, on).await {
            Ok(done) => (Ok(done.response), Some(done.action)),
            Err(error) => {
                // Its retries are over: the push-back it ended on slows the run.
                throttled(&error);
                (Err(error), None)
            }
        },
    };
    if result.is_ok()
        && let Some(pace) = pacer.succeeded()
    {
        let pace = pace.map_or_else(|| "unlimited".to_string(), |r| format!("{r:.1}/s"));
        client.config().log.emit(|| {
            tracing::info!(
                target: crate::log::TARGET_BULK,
                "pace back to {pace} after the server's push-back"
            )
        });
    }
    (result.map(Success::Reply), action)
}
