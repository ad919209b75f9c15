//! Many customers at once: a stream of requests in, a stream of indexed
//! outcomes out, at most `concurrency` requests in flight. Memory is bounded
//! by the window, whatever the input's length: the input is pulled only as
//! calls finish. The Python and Node `add_customers` and the command line all
//! run on this engine.

use futures_util::stream::{BoxStream, Stream, StreamExt};

use crate::client::Client;
use crate::error::Error;
use crate::model::AddCustomerRequest;
use crate::response::AddCustomerResponse;

pub const DEFAULT_CONCURRENCY: usize = 8;

/// How a bulk run behaves.
#[derive(Debug, Clone, PartialEq)]
pub struct BulkOptions {
    /// Requests in flight at most (at least 1; default 8).
    pub concurrency: usize,
    /// Outcomes in input order (default). Unordered yields each outcome as
    /// soon as it is known, so one slow call does not hold back the others'
    /// results; the window stays bounded either way.
    pub ordered: bool,
}

impl Default for BulkOptions {
    fn default() -> Self {
        Self {
            concurrency: DEFAULT_CONCURRENCY,
            ordered: true,
        }
    }
}

/// The outcome of the input at position `index` (from 0).
#[derive(Debug)]
pub struct Outcome {
    pub index: usize,
    pub result: Result<AddCustomerResponse, Error>,
}

/// An input item: a request, or the error its conversion already hit (a
/// record that did not validate), which comes out as that item's outcome so
/// one bad record never stops the rest.
pub type Input = Result<AddCustomerRequest, Error>;

/// Sends every request of `requests` with `client`; see the module docs.
pub fn add_customers<S>(
    client: &Client,
    requests: S,
    options: &BulkOptions,
) -> BoxStream<'static, Outcome>
where
    S: Stream<Item = Input> + Send + 'static,
{
    let client = client.clone();
    let calls = requests.enumerate().map(move |(index, request)| {
        let client = client.clone();
        async move {
            let result = match request {
                Ok(request) => client.add_customer(&request).await,
                Err(error) => Err(error),
            };
            Outcome { index, result }
        }
    });
    let window = options.concurrency.max(1);
    if options.ordered {
        calls.buffered(window).boxed()
    } else {
        calls.buffer_unordered(window).boxed()
    }
}
