//! Fault injection: which requests to `add-update` go wrong, and how.
//!
//! Deterministic from `seed`: the n-th request the sandbox receives always
//! gets the same fault for the same settings (with concurrent clients, which
//! request is n-th depends on arrival order).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Shares (0.0 to 1.0) of requests that get each fault, and added latency.
/// The shares together must not exceed 1.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Faults {
    /// Seed of the fault sequence.
    pub seed: u64,
    /// Added to every `add-update` reply, in milliseconds.
    pub latency_ms: u64,
    /// 429 with `Retry-After`; nothing stored.
    pub rate_limit: f64,
    /// 503 with `Retry-After`; nothing stored.
    pub unavailable: f64,
    /// 500; nothing stored (a client cannot know that).
    pub server_error: f64,
    /// Connection closed before the request is processed; nothing stored.
    pub drop_before: f64,
    /// The request is processed and stored, then the connection is closed
    /// without a reply: the case that makes naive clients write twice.
    pub drop_after: f64,
    /// Processed and stored, then answered 200 with truncated JSON.
    pub malformed: f64,
    /// Answered 502 with an HTML page, as a proxy would; nothing stored.
    pub html: f64,
    /// Answered 400 quoting back the credentials received (token, user and
    /// password, `x-` header values) in every encoding a server or proxy
    /// page may use; nothing stored. For tests that no secret reaches any
    /// output (`crate::secret_echo`).
    pub echo_secrets: f64,
    /// Seconds sent in `Retry-After` with 429 and 503; `None` sends none.
    pub retry_after: Option<u64>,
    /// 429 for the next this many requests (from when the faults are set),
    /// then the shares above: a deterministic burst of push-back.
    pub rate_limit_next: u64,
}

impl Default for Faults {
    fn default() -> Self {
        Self {
            seed: 0,
            latency_ms: 0,
            rate_limit: 0.0,
            unavailable: 0.0,
            server_error: 0.0,
            drop_before: 0.0,
            drop_after: 0.0,
            malformed: 0.0,
            html: 0.0,
            echo_secrets: 0.0,
            retry_after: Some(1),
            rate_limit_next: 0,
        }
    }
}

/// What happens to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    None,
    RateLimit,
    Unavailable,
    ServerError,
    DropBefore,
    DropAfter,
    Malformed,
    Html,
    EchoSecrets,
}

impl Faults {
    fn shares(&self) -> [(Fault, f64); 8] {
        [
            (Fault::RateLimit, self.rate_limit),
            (Fault::Unavailable, self.unavailable),
            (Fault::ServerError, self.server_error),
            (Fault::DropBefore, self.drop_before),
            (Fault::DropAfter, self.drop_after),
            (Fault::Malformed, self.malformed),
            (Fault::Html, self.html),
            (Fault::EchoSecrets, self.echo_secrets),
        ]
    }

    /// Every share within 0..=1 and their sum at most 1.
    pub fn check(&self) -> Result<(), String> {
        let mut total = 0.0;
        for (fault, share) in self.shares() {
            if !(0.0..=1.0).contains(&share) {
                return Err(format!(
                    "{}: expected a share from 0 to 1, got {share}",
                    name(fault)
                ));
            }
            total += share;
        }
        if total > 1.0 + 1e-9 {
            return Err(format!("the fault shares add up to {total}, more than 1"));
        }
        Ok(())
    }

    /// The fault for a draw `x` in `0..1`.
    pub fn pick(&self, x: f64) -> Fault {
        let mut edge = 0.0;
        for (fault, share) in self.shares() {
            edge += share;
            if x < edge {
                return fault;
            }
        }
        Fault::None
    }

    /// Faults as a front end receives them: a spec
    /// (`rate_limit=0.1,seed=7`) or the fields as JSON text; checked. The
    /// error, one for every front end, starts `faults: `.
    pub fn from_text(text: &str) -> Result<Faults, String> {
        if text.trim_start().starts_with('{') {
            serde_json::from_str::<Faults>(text)
                .map_err(|e| format!("faults: {e}"))
                .and_then(Faults::checked)
        } else {
            text.parse::<Faults>().map_err(|e| format!("faults: {e}"))
        }
    }

    /// The fields as a JSON value (a Python dict, a JS object); checked.
    pub fn from_json(value: serde_json::Value) -> Result<Faults, String> {
        serde_json::from_value::<Faults>(value)
            .map_err(|e| format!("faults: {e}"))
            .and_then(Faults::checked)
    }

    fn checked(self) -> Result<Faults, String> {
        self.check().map_err(|e| format!("faults: {e}"))?;
        Ok(self)
    }

    pub fn is_quiet(&self) -> bool {
        self.latency_ms == 0
            && self.rate_limit_next == 0
            && self.shares().iter().all(|(_, s)| *s == 0.0)
    }
}

impl Fault {
    /// The fault's key, as in a fault spec (`rate_limit`, `drop_after`).
    pub fn name(self) -> &'static str {
        name(self)
    }
}

fn name(fault: Fault) -> &'static str {
    match fault {
        Fault::None => "none",
        Fault::RateLimit => "rate_limit",
        Fault::Unavailable => "unavailable",
        Fault::ServerError => "server_error",
        Fault::DropBefore => "drop_before",
        Fault::DropAfter => "drop_after",
        Fault::Malformed => "malformed",
        Fault::Html => "html",
        Fault::EchoSecrets => "echo_secrets",
    }
}

/// `rate_limit=0.1,unavailable=0.1,drop_after=0.02,seed=7,latency_ms=5`;
/// `retry_after=none` sends no `Retry-After`.
impl FromStr for Faults {
    type Err = String;

    fn from_str(spec: &str) -> Result<Self, String> {
        let mut faults = Faults::default();
        for item in spec.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let (key, value) = item
                .split_once('=')
                .ok_or_else(|| format!("expected key=value, got {item:?}"))?;
            let (key, value) = (key.trim(), value.trim());
            let share = || {
                value
                    .parse::<f64>()
                    .map_err(|_| format!("{key}: expected a number from 0 to 1, got {value:?}"))
            };
            let whole = || {
                value
                    .parse::<u64>()
                    .map_err(|_| format!("{key}: expected a whole number, got {value:?}"))
            };
            match key {
                "seed" => faults.seed = whole()?,
                "latency_ms" => faults.latency_ms = whole()?,
                "retry_after" if value == "none" => faults.retry_after = None,
                "retry_after" => faults.retry_after = Some(whole()?),
                "rate_limit" => faults.rate_limit = share()?,
                "unavailable" => faults.unavailable = share()?,
                "server_error" => faults.server_error = share()?,
                "drop_before" => faults.drop_before = share()?,
                "drop_after" => faults.drop_after = share()?,
                "malformed" => faults.malformed = share()?,
                "html" => faults.html = share()?,
                "echo_secrets" => faults.echo_secrets = share()?,
                other => {
                    return Err(format!(
                        "unknown fault {other:?}; known: seed, latency_ms, retry_after, \
                         rate_limit, unavailable, server_error, drop_before, drop_after, \
                         malformed, html, echo_secrets"
                    ));
                }
            }
        }
        faults.check()?;
        Ok(faults)
    }
}

impl fmt::Display for Faults {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "seed={},latency_ms={}", self.seed, self.latency_ms)?;
        for (fault, share) in self.shares() {
            if share > 0.0 {
                write!(f, ",{}={share}", name(fault))?;
            }
        }
        match self.retry_after {
            Some(s) => write!(f, ",retry_after={s}"),
            None => write!(f, ",retry_after=none"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_and_display_round_trip() {
        let f: Faults =
            "rate_limit=0.1, unavailable=0.1,drop_after=0.02,seed=7,latency_ms=5,retry_after=0"
                .parse()
                .unwrap();
        assert_eq!(f.rate_limit, 0.1);
        assert_eq!(f.drop_after, 0.02);
        assert_eq!(f.seed, 7);
        assert_eq!(f.retry_after, Some(0));
        assert_eq!(f.to_string().parse::<Faults>().unwrap(), f);
        assert_eq!("".parse::<Faults>().unwrap(), Faults::default());
    }

    #[test]
    fn bad_specs_are_refused() {
        assert!(
            "rate_limit=2"
                .parse::<Faults>()
                .unwrap_err()
                .contains("from 0 to 1")
        );
        assert!(
            "rate_limit=0.6,html=0.6"
                .parse::<Faults>()
                .unwrap_err()
                .contains("more than 1")
        );
        assert!(
            "ratelimit=0.1"
                .parse::<Faults>()
                .unwrap_err()
                .contains("unknown fault")
        );
        assert!("seed".parse::<Faults>().unwrap_err().contains("key=value"));
    }

    #[test]
    fn pick_follows_the_shares() {
        let f = Faults {
            rate_limit: 0.25,
            drop_after: 0.25,
            ..Faults::default()
        };
        assert_eq!(f.pick(0.1), Fault::RateLimit);
        assert_eq!(f.pick(0.3), Fault::DropAfter);
        assert_eq!(f.pick(0.6), Fault::None);
    }
}
