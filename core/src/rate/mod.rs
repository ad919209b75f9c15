//! One rate budget shared by many processes: the pace of every bulk run that
//! names the same limiter and sends to the same CRM (its endpoint and user).
//!
//! - `machine` scope: a small state file per CRM in the machine's temporary
//!   folder (or `KAPTURE_RATE_DIR`), changed under its lock; for the
//!   processes of one machine, with no server.
//! - `redis://host:port/db`: the same state in Redis, changed by one Lua
//!   script (GCRA), for processes on many machines; the time is the Redis
//!   server's, so the machines' clocks need not agree.
//!
//! The state is GCRA's theoretical arrival time with the pace in force:
//! each call reserves the next slot (`max(tat, now)`, then `tat += 1/pace`)
//! and waits for it, so the calls of all processes together start at most
//! `pace` per second with no burst. A 429 or 503 seen by any process halves
//! the shared pace, at most once a second (a burst of push-backs seen by
//! four processes is one signal, not four halvings); each success raises
//! it a little, back to the configured rate, as the one-process pacer does.

mod file;
pub(crate) mod pacer;
mod redis;

pub(crate) use redis::shown as shown_limiter;

use std::time::Duration;

use crate::error::Error;

/// Where the shared state lives.
#[derive(Clone, PartialEq, Eq)]
pub enum SharedRate {
    /// A state file on this machine.
    Machine,
    /// A Redis server: `redis://[[user]:password@]host:port/db`.
    Redis(String),
}

/// Never the Redis password.
impl std::fmt::Debug for SharedRate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SharedRate::Machine => f.write_str("Machine"),
            SharedRate::Redis(url) => f.debug_tuple("Redis").field(&redis::shown(url)).finish(),
        }
    }
}

impl SharedRate {
    /// From a front end's options: `scope` (`"process"`, the default, or
    /// `"machine"`) and `limiter` (a `redis://` URL). Both need a `rate`.
    pub fn from_options(
        scope: Option<&str>,
        limiter: Option<&str>,
        rate: Option<f64>,
        names: (&str, &str, &str),
    ) -> Result<Option<SharedRate>, Error> {
        let (scope_name, limiter_name, rate_name) = names;
        let shared = match (scope, limiter) {
            (Some(_), Some(_)) => {
                return Err(Error::Config(format!(
                    "give {scope_name} or {limiter_name}, not both: {limiter_name} is shared by \
                     every machine that names it"
                )));
            }
            (None | Some("process"), None) => None,
            (Some("machine"), None) => Some(SharedRate::Machine),
            (Some(other), None) => {
                return Err(Error::Config(format!(
                    "{scope_name} must be \"process\" or \"machine\", got {}",
                    crate::text::quote(other)
                )));
            }
            (None, Some(url)) => Some(SharedRate::Redis(redis::check_url(limiter_name, url)?)),
        };
        if shared.is_some() && rate.is_none() {
            return Err(Error::Config(format!(
                "a shared limiter paces a {rate_name} shared by every process: give {rate_name} \
                 too (requests per second, for all of them together)"
            )));
        }
        Ok(shared)
    }
}

/// Logs a pace halved after a push-back: a bulk run's (`whose` empty) or
/// `whose` (`"the client's "`), from and to.
pub(crate) fn log_lowered(
    log: &crate::log::Emitter,
    whose: &str,
    from: Option<f64>,
    to: f64,
    code: &str,
) {
    let from = from.map_or_else(|| "unlimited".to_string(), |r| format!("{r:.1}/s"));
    log.emit(|| {
        tracing::warn!(
            target: crate::log::TARGET_BULK,
            pace = to, error = code,
            "the server pushes back ({code}): {whose}pace lowered from {from} to {to:.1}/s"
        )
    });
}

/// What a change of the shared pace did.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Paced {
    /// The pace in force before and after the change.
    pub(crate) before: f64,
    pub(crate) pace: f64,
    /// Whether this call changed it.
    pub(crate) changed: bool,
}

/// The operations on the shared state.
pub(crate) enum Op {
    /// Reserve the next slot: how long to wait for it.
    Acquire,
    /// A 429/503: halve the pace (at most once a second).
    Throttled,
    /// A success: raise the pace a little, back to the limit.
    Succeeded,
}

/// The shared pace of one CRM, under one limiter.
pub(crate) struct Limiter {
    store: Store,
    limit: f64,
}

enum Store {
    File(file::FileState),
    Redis(redis::RedisState),
}

/// Slowest pace a push-back brings the shared pace to (calls per second).
const FLOOR: f64 = 0.5;

impl Limiter {
    /// `crm` names the CRM (its endpoint and user): one state per CRM.
    pub(crate) fn new(shared: &SharedRate, crm: &str, limit: f64) -> Limiter {
        let key = format!("{:016x}", crate::rows::file::fnv(&[crm.as_bytes()]));
        let store = match shared {
            SharedRate::Machine => Store::File(file::FileState::new(&key)),
            SharedRate::Redis(url) => Store::Redis(redis::RedisState::new(url, &key)),
        };
        Limiter { store, limit }
    }

    /// Blocking: a file lock or a Redis round trip. The wait for the slot
    /// reserved, or why the limiter could not be asked.
    pub(crate) fn acquire(&self) -> Result<Duration, String> {
        self.apply(Op::Acquire).map(|(wait, _)| wait)
    }

    pub(crate) fn throttled(&self) -> Result<Paced, String> {
        self.apply(Op::Throttled).map(|(_, paced)| paced)
    }

    pub(crate) fn succeeded(&self) -> Result<Paced, String> {
        self.apply(Op::Succeeded).map(|(_, paced)| paced)
    }

    fn apply(&self, op: Op) -> Result<(Duration, Paced), String> {
        match &self.store {
            Store::File(state) => state.apply(&op, self.limit, FLOOR),
            Store::Redis(state) => state.apply(&op, self.limit, FLOOR),
        }
    }
}

/// The state change both stores make (the Redis script is this, in Lua).
/// Times in microseconds; returns the new state and the wait.
pub(crate) fn step(
    state: State,
    op: &Op,
    now: f64,
    limit: f64,
    floor: f64,
) -> (State, Duration, Paced) {
    let mut state = State {
        tat: if state.tat > 0.0 { state.tat } else { now },
        pace: if state.pace > 0.0 {
            state.pace.min(limit)
        } else {
            limit
        },
        decreased: state.decreased,
    };
    let before = state.pace;
    let mut wait = Duration::ZERO;
    match op {
        Op::Acquire => {
            let slot = state.tat.max(now);
            state.tat = slot + 1_000_000.0 / state.pace;
            wait = Duration::from_micros((slot - now).max(0.0) as u64);
        }
        Op::Throttled => {
            if now - state.decreased >= 1_000_000.0 {
                state.pace = (state.pace / 2.0).max(floor.min(limit));
                state.decreased = now;
            }
        }
        Op::Succeeded => {
            if state.pace < limit {
                state.pace = (state.pace + (state.pace * 0.05).max(0.25)).min(limit);
            }
        }
    }
    let paced = Paced {
        before,
        pace: state.pace,
        changed: state.pace != before,
    };
    (state, wait, paced)
}

/// The shared state of one CRM's pace.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct State {
    /// GCRA's theoretical arrival time, microseconds since the epoch (the
    /// Redis server's clock there).
    pub(crate) tat: f64,
    /// The pace in force, calls per second.
    pub(crate) pace: f64,
    /// When a push-back last halved it.
    pub(crate) decreased: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_spaced_by_the_pace_and_a_push_back_halves_it_once_a_second() {
        let (mut state, mut now) = (State::default(), 1_000_000_000.0);
        let mut waits = Vec::new();
        for _ in 0..3 {
            let (next, wait, _) = step(state, &Op::Acquire, now, 100.0, FLOOR);
            state = next;
            waits.push(wait.as_micros());
        }
        assert_eq!(waits, [0, 10_000, 20_000]);
        let (next, _, paced) = step(state, &Op::Throttled, now, 100.0, FLOOR);
        assert!(paced.changed && paced.pace == 50.0);
        let (next, _, paced) = step(next, &Op::Throttled, now + 500_000.0, 100.0, FLOOR);
        assert!(
            !paced.changed && paced.pace == 50.0,
            "twice within a second"
        );
        now += 1_000_001.0;
        let (next, _, paced) = step(next, &Op::Throttled, now, 100.0, FLOOR);
        assert_eq!(paced.pace, 25.0);
        let mut state = next;
        for _ in 0..200 {
            state = step(state, &Op::Succeeded, now, 100.0, FLOOR).0;
        }
        assert_eq!(state.pace, 100.0, "back to the limit, never above");
    }
}
