//! Client settings as every front end receives them (all optional), turned
//! into a [`ClientBuilder`] on top of the environment.

use std::path::PathBuf;
use std::time::Duration;

use crate::config::ClientBuilder;
use crate::error::Error;

/// Client settings as a front end receives them: every field optional, the
/// missing ones from `KAPTURE_*` variables or the defaults above. `Debug`
/// never shows the token, the password or the rate limiter's password.
#[derive(Clone, Default)]
pub struct ClientSettings {
    pub token: Option<String>,
    /// Instead of a token: Kapture's user name and password.
    pub username: Option<String>,
    pub password: Option<String>,
    pub subdomain: Option<String>,
    pub base_url: Option<String>,
    pub timeout: Option<Duration>,
    pub connect_timeout: Option<Duration>,
    pub max_retries: Option<u32>,
    pub retry_unknown_outcome: Option<bool>,
    pub user_agent: Option<String>,
    pub ca_file: Option<PathBuf>,
    /// Extra headers on every request (`x-api-key`...).
    pub default_headers: Vec<(String, String)>,
    /// This client's own log destination (see [`crate::log`]).
    pub log: Option<tracing::Dispatch>,
    /// Adds and updates per second at most, all of the client's calls
    /// together; with `rate_scope` or `rate_limiter`, shared with other
    /// processes (see [`crate::rate`]).
    pub rate: Option<f64>,
    pub rate_scope: Option<String>,
    pub rate_limiter: Option<String>,
}

impl std::fmt::Debug for ClientSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hidden = |given: &Option<String>| given.as_ref().map(|_| "[REDACTED]");
        f.debug_struct("ClientSettings")
            .field("token", &hidden(&self.token))
            .field("username", &self.username)
            .field("password", &hidden(&self.password))
            .field("subdomain", &self.subdomain)
            .field("base_url", &self.base_url)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("max_retries", &self.max_retries)
            .field("retry_unknown_outcome", &self.retry_unknown_outcome)
            .field("user_agent", &self.user_agent)
            .field("ca_file", &self.ca_file)
            .field(
                "default_headers",
                &self
                    .default_headers
                    .iter()
                    .map(|(name, _)| name)
                    .collect::<Vec<_>>(),
            )
            .field("rate", &self.rate)
            .field("rate_scope", &self.rate_scope)
            .field(
                "rate_limiter",
                &self.rate_limiter.as_deref().map(crate::rate::shown_limiter),
            )
            .finish_non_exhaustive()
    }
}

impl ClientSettings {
    /// A builder from the environment with these settings on top. Giving
    /// both a subdomain and a base URL is an error (from the environment,
    /// the one given here wins).
    pub fn builder(self) -> Result<ClientBuilder, Error> {
        let mut builder = ClientBuilder::from_env();
        if let Some(token) = self.token {
            builder = builder.token(token);
        }
        for (name, value) in self.default_headers {
            builder = builder.default_header(name, value);
        }
        if let Some(username) = self.username {
            builder = builder.username(username);
        }
        if let Some(password) = self.password {
            builder = builder.password(password);
        }
        match (self.subdomain, self.base_url) {
            (Some(_), Some(_)) => {
                return Err(Error::Config(
                    "give a subdomain or a base URL, not both".into(),
                ));
            }
            (Some(subdomain), None) => builder = builder.subdomain(subdomain),
            (None, Some(base_url)) => builder = builder.base_url(base_url),
            (None, None) => {}
        }
        if let Some(timeout) = self.timeout {
            builder = builder.timeout(timeout);
        }
        if let Some(timeout) = self.connect_timeout {
            builder = builder.connect_timeout(timeout);
        }
        if let Some(retries) = self.max_retries {
            builder = builder.max_retries(retries);
        }
        if let Some(yes) = self.retry_unknown_outcome {
            builder = builder.retry_unknown_outcome(yes);
        }
        if let Some(agent) = self.user_agent {
            builder = builder.user_agent(agent);
        }
        if let Some(path) = self.ca_file {
            builder = builder.ca_file(path);
        }
        if let Some(dispatch) = self.log {
            builder = builder.log_to(dispatch);
        }
        if let Some(rate) = self.rate {
            builder = builder.rate(rate);
        }
        if let Some(scope) = self.rate_scope {
            builder = builder.rate_scope(scope);
        }
        if let Some(url) = self.rate_limiter {
            builder = builder.rate_limiter(url);
        }
        Ok(builder)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subdomain_and_base_url_not_both() {
        let settings = ClientSettings {
            token: Some("t".into()),
            subdomain: Some("a".into()),
            base_url: Some("http://127.0.0.1:9".into()),
            ..Default::default()
        };
        let err = settings.builder().unwrap_err();
        assert!(err.to_string().contains("not both"), "{err}");
    }
}
