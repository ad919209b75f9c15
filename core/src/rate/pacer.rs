//! The pace of a bulk run or of a client: a configured limit, and AIMD
//! slow-down when the server pushes back (429/503); alone, or shared with
//! other processes through a [`Limiter`].

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::time::Instant;

use super::{Limiter, SharedRate};
use crate::error::Error;
use crate::settings::{MAX_RATE, MIN_RATE};

/// Spaces out call starts: at most `limit` per second when one is set, and
/// less after the server pushes back. Additive increase, multiplicative
/// decrease: each 429/503 halves the pace, each success raises it a little,
/// back to the limit (or to unlimited).
pub(crate) struct Pacer {
    state: Mutex<PaceState>,
    /// A pace shared with other processes ([`crate::rate`]) instead.
    shared: Option<Shared>,
}

struct Shared {
    limiter: Arc<Limiter>,
    limit: f64,
    /// The shared pace as this process last saw it (f64 bits): successes
    /// at the limit need not ask.
    seen: AtomicU64,
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
    pub(crate) fn new(limit: Option<f64>) -> Self {
        // BulkOptions::new refuses other values; a hand-built one is held
        // to the same range here rather than trusted.
        let limit = limit
            .filter(|r| r.is_finite() && *r > 0.0)
            .map(|r| r.clamp(MIN_RATE, MAX_RATE));
        Self {
            state: Mutex::new(PaceState {
                limit,
                current: limit,
                next_slot: Instant::now(),
                recent: VecDeque::new(),
                last_decrease: None,
            }),
            shared: None,
        }
    }

    /// A pacer of the pace `shared` keeps for `crm` with every process that
    /// names it; `limit` (checked by `BulkOptions`) for all of them.
    pub(crate) fn shared(limit: f64, shared: &SharedRate, crm: &str) -> Self {
        let mut pacer = Self::new(Some(limit));
        pacer.shared = Some(Shared {
            limiter: Arc::new(Limiter::new(shared, crm, limit)),
            limit,
            seen: AtomicU64::new(limit.to_bits()),
        });
        pacer
    }

    /// Waits for this call's slot; an error when the shared limiter could
    /// not be asked (the call is then not sent).
    pub(crate) async fn wait_turn(&self) -> Result<(), Error> {
        let Some(shared) = &self.shared else {
            self.wait().await;
            return Ok(());
        };
        let limiter = shared.limiter.clone();
        let wait = tokio::task::spawn_blocking(move || limiter.acquire())
            .await
            .unwrap_or_else(|e| Err(e.to_string()))
            .map_err(|message| Error::Aborted {
                message: format!("not sent: {message}"),
                outcome_unknown: false,
            })?;
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
        Ok(())
    }

    fn lock(&self) -> MutexGuard<'_, PaceState> {
        crate::sync::lock(&self.state)
    }

    pub(crate) async fn wait(&self) {
        let slot = {
            let mut state = self.lock();
            let now = Instant::now();
            state.recent.push_back(now);
            if state.recent.len() > 32 {
                state.recent.pop_front();
            }
            let Some(rate) = state.current else { return };
            let slot = state.next_slot.max(now);
            // The rate is kept within MIN_RATE..=MAX_RATE, so this is finite.
            let gap = Duration::try_from_secs_f64(1.0 / rate).unwrap_or(Duration::from_secs(100));
            state.next_slot = slot + gap;
            slot
        };
        tokio::time::sleep_until(slot).await;
    }

    /// A 429/503: the pace before and after, when it changed.
    pub(crate) fn throttled(&self) -> Option<(Option<f64>, f64)> {
        if let Some(shared) = &self.shared {
            // A file lock or one round trip; a limiter that cannot be asked
            // leaves the pace as it is (the next acquire says why).
            let paced = shared.limiter.throttled().ok()?;
            shared.seen.store(paced.pace.to_bits(), Ordering::Relaxed);
            return paced.changed.then_some((Some(paced.before), paced.pace));
        }
        let mut state = self.lock();
        let now = Instant::now();
        if state
            .last_decrease
            .is_some_and(|at| now - at < Duration::from_secs(1))
        {
            return None;
        }
        state.last_decrease = Some(now);
        let base = state
            .current
            .unwrap_or_else(|| started_per_second(&state.recent, now));
        let floor = state.limit.map_or(FLOOR, |limit| limit.min(FLOOR));
        let before = state.current;
        let after = (base / 2.0).max(floor);
        state.current = Some(after);
        (before != Some(after)).then_some((before, after))
    }

    /// A success: `Some(pace)` when it brought the pace back to the limit
    /// (`None` inside: unlimited again).
    pub(crate) fn succeeded(&self) -> Option<Option<f64>> {
        if let Some(shared) = &self.shared {
            if f64::from_bits(shared.seen.load(Ordering::Relaxed)) >= shared.limit {
                return None;
            }
            let paced = shared.limiter.succeeded().ok()?;
            shared.seen.store(paced.pace.to_bits(), Ordering::Relaxed);
            return (paced.changed && paced.pace >= shared.limit).then_some(Some(paced.pace));
        }
        let mut state = self.lock();
        let current = state.current?;
        if Some(current) == state.limit {
            return None;
        }
        let raised = current + (current * 0.05).max(0.25);
        state.current = match state.limit {
            Some(limit) => Some(raised.min(limit)),
            None if raised > CEILING => None,
            None => Some(raised),
        };
        (state.current == state.limit).then_some(state.current)
    }

    #[cfg(test)]
    fn pace(&self) -> Option<f64> {
        self.lock().current
    }
}

/// The pace an unlimited run has been starting calls at: the recent starts
/// over the time from the first of them until now. Counting up to now, not
/// to the last start, gives an estimate even when the very first reply is a
/// push-back (one start); without one the run would fall to the floor.
fn started_per_second(recent: &VecDeque<Instant>, now: Instant) -> f64 {
    match recent.front() {
        Some(first) if now > *first => {
            (recent.len() as f64 / (now - *first).as_secs_f64()).min(MAX_RATE)
        }
        Some(_) => MAX_RATE,
        None => 1.0,
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
    async fn a_push_back_to_the_first_call_keeps_the_pace_the_run_had() {
        // The first reply of an unlimited run is a 429/503, 2 ms after its
        // one start: half of that pace, not the floor.
        let pacer = Pacer::new(None);
        tokio::time::pause();
        pacer.wait().await;
        tokio::time::advance(Duration::from_millis(2)).await;
        pacer.throttled();
        let pace = pacer.pace().unwrap();
        assert!((240.0..=260.0).contains(&pace), "{pace}");
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
