//! Every settings rule, once: the defaults, the ranges, and the checks that
//! Rust, Python, Node and the CLI all go through, so the same value gives the
//! same error everywhere. Only the setting's *name* differs by language
//! (`timeout` in Python, `timeoutMs` in Node, `--timeout` in the CLI): the
//! front end passes it in.

use std::time::Duration;

use crate::error::Error;

/// Per attempt, connecting included.
/// Where the client's settings come from when not given.
pub const ENV_TOKEN: &str = "KAPTURE_TOKEN";
pub const ENV_SUBDOMAIN: &str = "KAPTURE_SUBDOMAIN";
pub const ENV_BASE_URL: &str = "KAPTURE_BASE_URL";
/// Kapture user name and password, instead of `KAPTURE_TOKEN`.
pub const ENV_USERNAME: &str = "KAPTURE_USERNAME";
pub const ENV_PASSWORD: &str = "KAPTURE_PASSWORD";

pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// A pooled connection idle this long is closed, not reused: below the
/// idle limits servers and balancers commonly keep (Node's http server,
/// Apache and uvicorn 5 s; nginx 75 s; cloud load balancers 60 s and more),
/// so the client lets a connection go before the server does. One the
/// server closed sooner is never used either (see `stale.rs`).
pub const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(4);
/// Retries of what cannot have reached Kapture, for a library call.
pub const DEFAULT_MAX_RETRIES: u32 = 2;
/// The CLI retries more: a bulk import can afford to wait.
pub const CLI_MAX_RETRIES: u32 = 4;
/// Requests in flight in a bulk run of the libraries.
pub const DEFAULT_CONCURRENCY: usize = 8;
/// ... and of `kapture import`.
pub const CLI_CONCURRENCY: usize = 16;
pub const MAX_CONCURRENCY: usize = 1024;
/// Requests per second a bulk run may be limited to: from one every 100 s
/// to a million a second (beyond that a limit means nothing).
pub const MIN_RATE: f64 = 0.01;
pub const MAX_RATE: f64 = 1_000_000.0;
/// A `Retry-After` longer than this is not waited for: the error is returned
/// with its `retry_after`, for the caller to schedule.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(60);
/// Longest `Retry-After` kept at all; a server's larger value is capped to it.
pub const RETRY_AFTER_CEILING: Duration = Duration::from_secs(24 * 3600);
/// Longest timeout accepted (a day): larger values are surely a unit mistake.
pub const MAX_TIMEOUT: Duration = Duration::from_secs(24 * 3600);

/// The unit a front end takes durations in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Seconds,
    Milliseconds,
}

/// A timeout setting: a positive, finite number of `unit`, at most a day.
pub fn duration(name: &str, value: f64, unit: Unit) -> Result<Duration, Error> {
    let (seconds, unit_name) = match unit {
        Unit::Seconds => (value, "seconds"),
        Unit::Milliseconds => (value / 1000.0, "milliseconds"),
    };
    match Duration::try_from_secs_f64(seconds) {
        Ok(d) if !d.is_zero() && d <= MAX_TIMEOUT => Ok(d),
        _ => Err(Error::Config(format!(
            "{name} must be a positive number of {unit_name}, at most a day, got {value}"
        ))),
    }
}

/// A whole-number setting in `min..=max` (JavaScript and Python hand numbers
/// over as floats; `8.5`, `NaN` and `-1` are refused, not rounded).
pub fn whole(name: &str, value: f64, min: u64, max: u64) -> Result<u64, Error> {
    if value.fract() == 0.0 && value >= min as f64 && value <= max as f64 {
        // In range and whole: the conversion is exact.
        Ok(value as u64)
    } else {
        Err(Error::Config(format!(
            "{name} must be a whole number from {min} to {max}, got {value}"
        )))
    }
}

/// `max_retries`: 0 to 100.
pub fn max_retries(name: &str, value: f64) -> Result<u32, Error> {
    whole(name, value, 0, 100).map(|n| n as u32)
}

/// `concurrency` of a bulk run: 1 to [`MAX_CONCURRENCY`].
pub fn concurrency(value: f64) -> Result<usize, Error> {
    concurrency_named("concurrency", value)
}

/// [`concurrency`] under a front end's own name for it (`--concurrency`).
pub fn concurrency_named(name: &str, value: f64) -> Result<usize, Error> {
    whole(name, value, 1, MAX_CONCURRENCY as u64).map(|n| n as usize)
}

/// `rate` of a bulk run: requests per second, [`MIN_RATE`] to [`MAX_RATE`].
pub fn rate(value: f64) -> Result<f64, Error> {
    rate_named("rate", value)
}

/// [`rate`] under a front end's own name for it (`--rate`).
pub fn rate_named(name: &str, value: f64) -> Result<f64, Error> {
    if value.is_finite() && (MIN_RATE..=MAX_RATE).contains(&value) {
        Ok(value)
    } else {
        Err(Error::Config(format!(
            "{name} must be a number of requests per second from {MIN_RATE} to {MAX_RATE}, \
             got {value}"
        )))
    }
}

/// Refuses an option name a front end does not know (plain JavaScript
/// passes any key), naming the closest known one: `timeout` is not an
/// option of `new Client()`; did you mean `timeoutMs`?
pub fn known_options(what: &str, given: &[String], known: &[&str]) -> Result<(), Error> {
    for name in given {
        if !known.contains(&name.as_str()) {
            let hint = match crate::suggest::closest(name, known) {
                Some(close) => format!("; did you mean {close:?}?"),
                None => format!("; the options are {}", known.join(", ")),
            };
            return Err(Error::Config(format!(
                "{name:?} is not an option of {what}{hint}"
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(
            duration("timeout", 1.5, Unit::Seconds).unwrap(),
            Duration::from_millis(1500)
        );
        assert_eq!(
            duration("timeoutMs", 250.0, Unit::Milliseconds).unwrap(),
            Duration::from_millis(250)
        );
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY, 1e300, 1e-300, 86_401.0] {
            let err = duration("timeout", bad, Unit::Seconds).unwrap_err();
            assert!(err.to_string().contains("timeout must be"), "{bad}: {err}");
        }
    }

    #[test]
    fn counts_and_rates() {
        assert_eq!(concurrency(64.0).unwrap(), 64);
        for bad in [0.0, -5.0, 1025.0, 8.5, f64::NAN, 1e300] {
            assert!(concurrency(bad).is_err(), "{bad}");
        }
        assert_eq!(max_retries("max_retries", 0.0).unwrap(), 0);
        assert!(max_retries("max_retries", -1.0).is_err());
        assert_eq!(rate(2.5).unwrap(), 2.5);
        for bad in [0.0, -5.0, f64::NAN, f64::INFINITY, 1e-300, 1e300] {
            let err = rate(bad).unwrap_err();
            assert!(err.to_string().contains("rate must be"), "{bad}: {err}");
        }
    }
}
