//! The HTTP layer under the client: the reqwest client (one connection
//! pool) and how a transport failure is told apart by whether the request
//! can have reached Kapture.

use reqwest::header::HeaderValue;

use crate::config::Config;
use crate::endpoint::is_loopback;
use crate::error::Error;

/// The reqwest client (one connection pool) for `config`.
pub(crate) fn http_client(
    config: &Config,
    tls: rustls::ClientConfig,
) -> Result<reqwest::Client, Error> {
    let mut extra = reqwest::header::HeaderMap::new();
    for (name, value) in &config.default_headers.0 {
        // Checked by the config; sensitive: never in logs or Debug.
        if let (Ok(name), Ok(mut value)) = (
            reqwest::header::HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            value.set_sensitive(true);
            extra.append(name, value);
        }
    }
    let mut http = reqwest::Client::builder()
        .default_headers(extra)
        .user_agent(config.user_agent.as_str())
        .timeout(config.timeout)
        .connect_timeout(config.connect_timeout)
        // A POST that adds a customer is never redirected on purpose; a
        // 3xx is reported, not followed with the token.
        .redirect(reqwest::redirect::Policy::none())
        .pool_idle_timeout(crate::settings::POOL_IDLE_TIMEOUT)
        // Every attempt is the engine's to make (`max_retries`, backoff,
        // logs): reqwest's own quiet resend of refused HTTP/2 streams
        // would be an attempt nobody counted or saw.
        .retry(reqwest::retry::never())
        .tcp_nodelay(true);
    if is_loopback(&config.endpoint) {
        // A sandbox on this machine: never through an HTTP(S)_PROXY, which
        // would see the token in clear text.
        http = http.no_proxy();
    }
    http.tls_backend_preconfigured(tls)
        .build()
        .map_err(|e| Error::Config(format!("cannot set up HTTP: {}", chain(&e))))
}

/// Splits transport failures by whether the request can have been sent.
pub(crate) fn transport_error(error: &reqwest::Error, config: &Config) -> Error {
    let detail = chain(error);
    if error.is_connect() {
        // Connecting (DNS, TCP, TLS) failed: nothing was written.
        if error.is_timeout() || detail.contains("timed out") {
            return Error::Timeout {
                message: format!(
                    "could not connect within {:?}: {detail}",
                    config.connect_timeout
                ),
                outcome_unknown: false,
            };
        }
        return Error::Connection {
            message: detail,
            outcome_unknown: false,
        };
    }
    if let Some(why) = refused_by_http2(error) {
        return Error::Connection {
            message: format!("{why}: {detail}"),
            outcome_unknown: false,
        };
    }
    if error.is_timeout() {
        return Error::Timeout {
            message: format!("no complete reply within {:?}", config.timeout),
            outcome_unknown: true,
        };
    }
    Error::Connection {
        message: detail,
        outcome_unknown: true,
    }
}

/// Whether HTTP/2 says the server never processed this request: its stream
/// was above the last-stream-id of the server's GOAWAY (h2 fails exactly
/// those streams with the GOAWAY; the others fail with the connection's
/// own error), or was refused (`REFUSED_STREAM`, RFC 9113 §8.7).
fn refused_by_http2(error: &reqwest::Error) -> Option<&'static str> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(cause) = source {
        if let Some(h2) = cause.downcast_ref::<h2::Error>() {
            if h2.is_go_away() && h2.is_remote() {
                return Some(
                    "the server closed the connection (HTTP/2 GOAWAY) before processing this \
                     request; it was not processed",
                );
            }
            if h2.is_reset() && h2.is_remote() && h2.reason() == Some(h2::Reason::REFUSED_STREAM) {
                return Some("the server refused the request unprocessed (HTTP/2 REFUSED_STREAM)");
            }
        }
        source = cause.source();
    }
    None
}

/// An error and its sources on one line.
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
