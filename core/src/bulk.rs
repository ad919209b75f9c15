//! Many customers at once: a stream of requests in, a stream of indexed
//! outcomes out, at most `concurrency` requests in flight. Memory is bounded
//! by the window, whatever the input's length: the input is pulled only as
//! calls finish. The Python and Node `add_customers` and the command line all
//! run on this engine.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use futures_util::stream::{BoxStream, Stream, StreamExt};
use tokio::time::Instant;

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
    /// Requests started per second at most (`None`: as fast as the window
    /// allows). Either way the engine slows down by itself when the server
    /// answers 429 or 503, and speeds up again as calls succeed.
    pub rate: Option<f64>,
}

impl Default for BulkOptions {
    fn default() -> Self {
        Self {
            concurrency: DEFAULT_CONCURRENCY,
            ordered: true,
            rate: None,
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
    let pacer = Arc::new(Pacer::new(options.rate));
    let calls = requests.enumerate().map(move |(index, request)| {
        let (client, pacer) = (client.clone(), pacer.clone());
        async move {
            let result = match request {
                Ok(request) => {
                    pacer.wait().await;
                    let throttled = |error: &Error| {
                        if matches!(
                            error,
                            Error::RateLimited { .. } | Error::Server { status: 503, .. }
                        ) {
                            pacer.throttled();
                        }
                    };
                    let result = client.add_customer_observed(&request, &throttled).await;
                    if result.is_ok() {
                        pacer.succeeded();
                    }
                    result
                }
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

/// Spaces out call starts: at most `limit` per second when one is set, and
/// less after the server pushes back. Additive increase, multiplicative
/// decrease: each 429/503 halves the pace, each success raises it a little,
/// back to the limit (or to unlimited).
struct Pacer {
    state: Mutex<PaceState>,
}

struct PaceState {
    limit: Option<f64>,
    /// The pace in force; `None` is unlimited.
    current: Option<f64>,
    next_slot: Instant,
    /// Recent start times, to estimate the pace when it was unlimited.
    recent: VecDeque<Instant>,
    /// One slow-down per second at most: a burst of 429s is one signal,
    /// not twenty halvings.
    last_decrease: Option<Instant>,
}

/// Slowest pace the engine falls to, in calls per second.
const FLOOR: f64 = 0.5;
/// Above this an adaptive pace without a configured limit is lifted.
const CEILING: f64 = 10_000.0;

impl Pacer {
    fn new(limit: Option<f64>) -> Self {
        let limit = limit.filter(|r| r.is_finite() && *r > 0.0);
        Self {
            state: Mutex::new(PaceState {
                limit,
                current: limit,
                next_slot: Instant::now(),
                recent: VecDeque::new(),
                last_decrease: None,
            }),
        }
    }

    fn lock(&self) -> MutexGuard<'_, PaceState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    async fn wait(&self) {
        let slot = {
            let mut state = self.lock();
            let now = Instant::now();
            state.recent.push_back(now);
            if state.recent.len() > 32 {
                state.recent.pop_front();
            }
            let Some(rate) = state.current else { return };
            let slot = state.next_slot.max(now);
            state.next_slot = slot + Duration::from_secs_f64(1.0 / rate);
            slot
        };
        tokio::time::sleep_until(slot).await;
    }

    fn throttled(&self) {
        let mut state = self.lock();
        let now = Instant::now();
        if state
            .last_decrease
            .is_some_and(|at| now - at < Duration::from_secs(1))
        {
            return;
        }
        state.last_decrease = Some(now);
        let base =
            state
                .current
                .unwrap_or_else(|| match (state.recent.front(), state.recent.back()) {
                    (Some(first), Some(last)) if last > first => {
                        (state.recent.len() - 1) as f64 / (*last - *first).as_secs_f64()
                    }
                    _ => 1.0,
                });
        state.current = Some((base / 2.0).max(FLOOR));
    }

    fn succeeded(&self) {
        let mut state = self.lock();
        let Some(current) = state.current else { return };
        let raised = current + (current * 0.05).max(0.25);
        state.current = match state.limit {
            Some(limit) => Some(raised.min(limit)),
            None if raised > CEILING => None,
            None => Some(raised),
        };
    }

    #[cfg(test)]
    fn pace(&self) -> Option<f64> {
        self.lock().current
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn pace_halves_on_push_back_and_recovers() {
        tokio::time::pause();
        let pacer = Pacer::new(Some(40.0));
        assert_eq!(pacer.pace(), Some(40.0));
        pacer.throttled();
        assert_eq!(pacer.pace(), Some(20.0));
        pacer.throttled(); // within the same second: one signal
        assert_eq!(pacer.pace(), Some(20.0));
        tokio::time::advance(Duration::from_millis(1001)).await;
        pacer.throttled();
        assert_eq!(pacer.pace(), Some(10.0));
        for _ in 0..200 {
            pacer.succeeded();
        }
        assert_eq!(pacer.pace(), Some(40.0), "never above the limit");
        for _ in 0..20 {
            tokio::time::advance(Duration::from_millis(1001)).await;
            pacer.throttled();
        }
        assert_eq!(pacer.pace(), Some(FLOOR));
    }

    #[tokio::test]
    async fn unlimited_pace_is_estimated_when_pushed_back() {
        let pacer = Pacer::new(None);
        assert_eq!(pacer.pace(), None);
        tokio::time::pause();
        for _ in 0..11 {
            pacer.wait().await;
            tokio::time::advance(Duration::from_millis(10)).await;
        }
        pacer.throttled(); // about 100 calls/s were starting: half of it
        let pace = pacer.pace().unwrap();
        assert!((45.0..=55.0).contains(&pace), "{pace}");
    }

    #[tokio::test]
    async fn a_limit_spaces_out_starts() {
        tokio::time::pause();
        let pacer = Pacer::new(Some(10.0));
        let started = Instant::now();
        for _ in 0..11 {
            pacer.wait().await;
        }
        // 11 starts at 10/s: the last one a second after the first.
        let elapsed = started.elapsed();
        assert!(
            elapsed >= Duration::from_secs(1) && elapsed < Duration::from_millis(1020),
            "{elapsed:?}"
        );
    }
}
