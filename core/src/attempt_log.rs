//! What the client logs of its attempts: one line per attempt (debug), a
//! retry and its delay (info), and giving up (a warning when the customer
//! may exist). Phones and emails masked, secrets never present.

use crate::config::Config;
use crate::error::Error;
use crate::log::{TARGET_HTTP, redact};

/// Debug: one line per attempt.
pub(crate) fn attempt<T>(
    config: &Config,
    url: &reqwest::Url,
    retry: u32,
    status: Option<u16>,
    outcome: &Result<T, Error>,
    started: std::time::Instant,
) {
    let latency_ms = started.elapsed().as_millis() as u64;
    let path = url.path();
    let attempt = retry + 1;
    config.log.emit(|| match outcome {
        Ok(_) => tracing::debug!(
            target: TARGET_HTTP,
            method = "POST", path, attempt, status, latency_ms,
            "attempt {attempt}: POST {path} -> {} in {latency_ms} ms",
            status.unwrap_or_default()
        ),
        Err(error) => tracing::debug!(
            target: TARGET_HTTP,
            method = "POST", path, attempt, status, latency_ms,
            error = error.code(), outcome_unknown = error.outcome_unknown(),
            "attempt {attempt}: POST {path} -> {} in {latency_ms} ms: {}",
            status.map_or_else(|| error.code().to_string(), |s| s.to_string()),
            redact(&error.to_string())
        ),
    });
}

/// Info: a retry, its reason and its delay.
pub(crate) fn retry(config: &Config, error: &Error, delay: std::time::Duration, retry: u32) {
    let delay_ms = delay.as_millis() as u64;
    let attempt = retry + 2;
    config.log.emit(|| {
        tracing::info!(
            target: TARGET_HTTP,
            error = error.code(), delay_ms, attempt,
            outcome_unknown = error.outcome_unknown(),
            "retrying after {:.1} s (attempt {attempt}): {}",
            delay.as_secs_f64(),
            redact(&error.to_string())
        )
    });
}

/// Warn when the caller is left not knowing (or asked to wait longer
/// than we do); debug for a plain failure, which the caller gets anyway.
pub(crate) fn give_up(config: &Config, error: &Error, retry_after: Option<std::time::Duration>) {
    let text = redact(&error.to_string());
    config.log.emit(|| {
        if let Some(after) = retry_after {
            tracing::warn!(
                target: TARGET_HTTP,
                error = error.code(), retry_after_ms = after.as_millis() as u64,
                "not retried: the server asks to wait {} s, longer than the client's longest \
                 wait (its max retry-after setting): {text}",
                after.as_secs()
            )
        } else if error.outcome_unknown() {
            tracing::warn!(
                target: TARGET_HTTP,
                error = error.code(), outcome_unknown = true,
                "outcome unknown (the customer may or may not exist; a Get Customer lookup \
                 by its phone or email settles it): {text}"
            )
        } else {
            tracing::debug!(
                target: TARGET_HTTP,
                error = error.code(), outcome_unknown = false,
                "failed: {text}"
            )
        }
    });
}
