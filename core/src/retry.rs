//! The retry policy: which failures are retried, how long to wait between
//! attempts, and what a server's `Retry-After` means.

use std::time::Duration;

use crate::error::Error;
use crate::settings::RETRY_AFTER_CEILING;

/// Exponential backoff between retries: `initial`, doubled each attempt up
/// to `max`, with jitter (each delay is drawn from its upper half).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Backoff {
    pub initial: Duration,
    pub max: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            initial: Duration::from_millis(500),
            max: Duration::from_secs(8),
        }
    }
}

impl Backoff {
    /// The delay before retry number `retry` (0 for the first retry).
    pub fn delay(&self, retry: u32) -> Duration {
        let ceiling = self
            .initial
            .saturating_mul(2u32.saturating_pow(retry.min(16)))
            .min(self.max);
        let half = ceiling / 2;
        half + half.mul_f64(fastrand::f64())
    }
}

/// By default only what cannot have reached the vendor: connection failures
/// before the request was written, 429 and 503. With `retry_unknown_outcome`
/// also timeouts, resets and 500/502/504.
pub(crate) fn should_retry(error: &Error, retry_unknown_outcome: bool) -> bool {
    match error {
        Error::RateLimited { .. } => true,
        Error::Server {
            outcome_unknown, ..
        }
        | Error::Timeout {
            outcome_unknown, ..
        }
        | Error::Connection {
            outcome_unknown, ..
        } => !outcome_unknown || retry_unknown_outcome,
        _ => false,
    }
}

/// What to do after a retryable failure.
#[derive(Debug, PartialEq)]
pub(crate) enum Wait {
    /// Sleep this long, then try again.
    Retry(Duration),
    /// The server asks for more than we wait: return the error now.
    GiveUp,
}

/// The wait before retry number `retry`: our backoff; or the server's
/// `Retry-After` when it gave one, but never less than the backoff's first
/// step (a `Retry-After: 0` must not turn retries into a burst), and
/// nothing past `max_retry_after`.
pub(crate) fn wait(
    retry: u32,
    retry_after: Option<Duration>,
    backoff: &Backoff,
    max_retry_after: Duration,
) -> Wait {
    match retry_after {
        Some(theirs) if theirs > max_retry_after => Wait::GiveUp,
        Some(theirs) => Wait::Retry(theirs.max(backoff.delay(0))),
        None => Wait::Retry(backoff.delay(retry)),
    }
}

/// Parses `Retry-After`: delay-seconds (whole or not) or an HTTP date. Any
/// value, however large, is capped at [`RETRY_AFTER_CEILING`]; only a value
/// that does not parse counts as absent. Never panics.
pub(crate) fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    let parsed = if let Ok(seconds) = value.parse::<u64>() {
        Duration::from_secs(seconds)
    } else if let Ok(seconds) = value.parse::<f64>() {
        if seconds.is_nan() || seconds < 0.0 {
            return None;
        }
        // Too large for a Duration (1e20, inf): as long as we keep at all.
        Duration::try_from_secs_f64(seconds).unwrap_or(RETRY_AFTER_CEILING)
    } else {
        let when = httpdate::parse_http_date(value).ok()?;
        when.duration_since(std::time::SystemTime::now())
            .unwrap_or(Duration::ZERO)
    };
    Some(parsed.min(RETRY_AFTER_CEILING))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let b = Backoff::default();
        for retry in 0..10 {
            let ceiling =
                (Duration::from_millis(500) * 2u32.pow(retry)).min(Duration::from_secs(8));
            let d = b.delay(retry);
            assert!(d >= ceiling / 2 && d <= ceiling, "retry {retry}: {d:?}");
        }
    }

    #[test]
    fn retry_after_forms() {
        assert_eq!(parse_retry_after("3"), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after("0.5"), Some(Duration::from_millis(500)));
        let later = std::time::SystemTime::now() + Duration::from_secs(30);
        let parsed = parse_retry_after(&httpdate::fmt_http_date(later)).unwrap();
        assert!(parsed > Duration::from_secs(28) && parsed <= Duration::from_secs(30));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
        assert_eq!(parse_retry_after("-1"), None);
        assert_eq!(parse_retry_after("NaN"), None);
    }

    /// Issue 9, case 2: huge values panicked in `Duration::from_secs_f64`.
    #[test]
    fn case_2_huge_retry_after_is_capped_not_a_panic() {
        for huge in [
            "1e20",
            "99999999999999999999",
            "18446744073709551615",
            "1e308",
            "inf",
            "1.7976931348623157e308",
        ] {
            assert_eq!(parse_retry_after(huge), Some(RETRY_AFTER_CEILING), "{huge}");
        }
    }

    /// Issue 9, case 12: `Retry-After: 0` still waits our backoff step.
    #[test]
    fn case_12_retry_after_zero_waits_the_backoff() {
        let backoff = Backoff {
            initial: Duration::from_millis(200),
            max: Duration::from_secs(1),
        };
        let max = Duration::from_secs(60);
        for retry in 0..3 {
            let Wait::Retry(d) = wait(retry, Some(Duration::ZERO), &backoff, max) else {
                panic!("gave up")
            };
            assert!(d >= Duration::from_millis(100), "{d:?}");
        }
        assert_eq!(
            wait(0, Some(Duration::from_secs(61)), &backoff, max),
            Wait::GiveUp
        );
        let Wait::Retry(d) = wait(0, Some(Duration::from_secs(3)), &backoff, max) else {
            panic!("gave up")
        };
        assert_eq!(d, Duration::from_secs(3));
    }
}
