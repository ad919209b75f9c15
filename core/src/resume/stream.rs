//! A resumable run as a stream, for Rust callers: records in with their
//! keys, outcomes out in input order.

use futures_util::stream::{self, BoxStream, Stream, StreamExt};

use crate::bulk::{BulkOptions, Input, Outcome, Run, RunJournal};
use crate::client::Client;
use crate::error::Error;

/// Adds `records` (each with its key) as [`crate::bulk::add_customers`]
/// does, checked against and recorded in `journal` (see [`super`]). Call it
/// inside a tokio runtime: the engine and the feeder are spawned on it.
/// Yields one outcome per record; should the engine fail, an `Err` after
/// the outcomes it owed.
pub fn add_customers<S>(
    client: &Client,
    records: S,
    options: BulkOptions,
    journal: RunJournal,
) -> Result<BoxStream<'static, Result<Outcome, Error>>, Error>
where
    S: Stream<Item = (String, Input)> + Send + 'static,
{
    let handle = tokio::runtime::Handle::try_current()
        .map_err(|_| Error::Config("resume::add_customers runs inside a tokio runtime".into()))?;
    let (run, engine) = Run::start_journaled(client, options, journal, None)?;
    handle.spawn(engine);
    let feeder = run.clone();
    handle.spawn(async move {
        let mut records = std::pin::pin!(records);
        while let Some((key, input)) = records.next().await {
            if feeder.feed_keyed(key, input).await.is_err() {
                break;
            }
        }
        feeder.close_input();
    });
    Ok(stream::unfold(Some(Taker(run)), |taker| async move {
        let taker = taker?;
        match taker.0.next().await {
            Ok(Some(outcome)) => Some((Ok(outcome), Some(taker))),
            Ok(None) => None,
            Err(error) => Some((Err(error), None)),
        }
    })
    .boxed())
}

/// The run as its outcome stream holds it: dropping the stream aborts what
/// is left of the run, so nothing more is sent for a caller who left.
struct Taker(std::sync::Arc<Run>);

impl Drop for Taker {
    fn drop(&mut self) {
        self.0.abort();
    }
}
