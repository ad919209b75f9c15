//! Client settings: where to send, with which token, how long to wait and how
//! often to retry. Everything is checked in [`ClientBuilder::build`], before
//! any connection is made.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use reqwest::Url;

use crate::auth::{Secret, Token, basic_token, check_token};
pub use crate::endpoint::ADD_CUSTOMER_PATH;
use crate::endpoint::{base_url, subdomain_url};
use crate::error::Error;
pub use crate::retry::Backoff;
pub use crate::settings::{
    DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT, MAX_RETRY_AFTER,
};

pub use crate::settings::{ENV_BASE_URL, ENV_PASSWORD, ENV_SUBDOMAIN, ENV_TOKEN, ENV_USERNAME};

/// Settings of a built client, all checked.
#[derive(Debug, Clone)]
pub struct Config {
    pub(crate) token: Token,
    /// Every secret above (token, password, `user:password`, header
    /// values): scrubbed from every text the client hands on.
    pub(crate) secrets: crate::secrets::Secrets,
    /// The Kapture user, when the token was built from a username and
    /// password (part of which CRM account an import is journaled for).
    pub username: Option<String>,
    pub endpoint: Url,
    pub timeout: Duration,
    pub connect_timeout: Duration,
    pub max_retries: u32,
    pub retry_unknown_outcome: bool,
    pub backoff: Backoff,
    pub max_retry_after: Duration,
    pub user_agent: String,
    pub ca_file: Option<PathBuf>,
    /// Extra headers sent on every request (their values never shown).
    pub(crate) default_headers: Headers,
    /// Where this client's log events go (default: the `tracing` subscriber
    /// in force); see [`crate::log`].
    pub(crate) log: crate::log::Emitter,
    /// Adds and updates started per second at most, every call of this
    /// client (and its clones) together; `None`: not paced.
    pub rate: Option<f64>,
    /// `rate` shared with other processes (see [`crate::rate`]).
    pub shared_rate: Option<crate::rate::SharedRate>,
}

impl Config {
    /// Which CRM a shared pace is for: the endpoint and the user (one
    /// shared pace per CRM, see [`crate::rate`]).
    pub(crate) fn crm_key(&self) -> String {
        format!(
            "{}\u{1f}{}",
            self.endpoint,
            self.username.as_deref().unwrap_or_default()
        )
    }
}

/// Extra headers (`x-api-key: ...`): checked, and their values hidden from
/// `Debug` (they are often keys).
#[derive(Clone, Default)]
pub(crate) struct Headers(pub(crate) Vec<(String, String)>);

impl fmt::Debug for Headers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(|(name, _)| format!("{name}: [REDACTED]")))
            .finish()
    }
}

/// Header names the SDK sets itself: not overridable through
/// `default_headers`.
const OWN_HEADERS: [&str; 4] = ["authorization", "content-type", "accept", "content-length"];

fn check_headers(headers: Vec<(String, String)>) -> Result<Headers, Error> {
    for (name, value) in &headers {
        let lower = name.trim().to_ascii_lowercase();
        if OWN_HEADERS.contains(&lower.as_str()) {
            return Err(Error::Config(format!(
                "default_headers cannot set {name:?}: the SDK sets it (the token goes in token, \
                 or username and password)"
            )));
        }
        if reqwest::header::HeaderName::from_bytes(lower.as_bytes()).is_err() {
            return Err(Error::Config(format!(
                "default_headers: {name:?} is not a valid header name"
            )));
        }
        // Never quote the value: it is often a key.
        if reqwest::header::HeaderValue::from_str(value.trim()).is_err()
            || value.chars().any(char::is_control)
        {
            return Err(Error::Config(format!(
                "default_headers: the value of {name:?} is not a valid header value (control or \
                 non-ASCII characters)"
            )));
        }
    }
    Ok(Headers(
        headers
            .into_iter()
            .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect(),
    ))
}

#[derive(Debug, Clone)]
enum Target {
    Subdomain(String),
    BaseUrl(String),
    /// From the environment, both variables set: an error unless the caller
    /// names a target explicitly.
    Conflict,
}

/// Builds a [`crate::Client`]. Start from [`ClientBuilder::new`] or
/// [`ClientBuilder::from_env`]; later calls override earlier ones.
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    token: Option<Token>,
    /// Kapture user name and password: the token is built from them.
    username: Option<String>,
    password: Option<Secret>,
    target: Option<Target>,
    timeout: Duration,
    connect_timeout: Duration,
    max_retries: u32,
    retry_unknown_outcome: bool,
    backoff: Backoff,
    max_retry_after: Duration,
    user_agent: Option<String>,
    ca_file: Option<PathBuf>,
    default_headers: Headers,
    log: Option<tracing::Dispatch>,
    rate: Option<f64>,
    rate_scope: Option<String>,
    /// Its URL may hold a password: `Debug` never shows it.
    rate_limiter: Option<crate::auth::Secret>,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self::new()
    }
}

impl ClientBuilder {
    pub fn new() -> Self {
        Self {
            token: None,
            username: None,
            password: None,
            target: None,
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            max_retries: DEFAULT_MAX_RETRIES,
            retry_unknown_outcome: false,
            backoff: Backoff::default(),
            max_retry_after: MAX_RETRY_AFTER,
            user_agent: None,
            ca_file: None,
            default_headers: Headers::default(),
            log: None,
            rate: None,
            rate_scope: None,
            rate_limiter: None,
        }
    }

    /// Starts from `KAPTURE_TOKEN`, `KAPTURE_SUBDOMAIN` and
    /// `KAPTURE_BASE_URL` (empty variables count as unset).
    pub fn from_env() -> Self {
        let var = |name| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let mut builder = Self::new();
        builder.token = var(ENV_TOKEN).map(Token);
        builder.username = var(ENV_USERNAME);
        builder.password = var(ENV_PASSWORD).map(Secret);
        builder.target = match (var(ENV_SUBDOMAIN), var(ENV_BASE_URL)) {
            (Some(_), Some(_)) => Some(Target::Conflict),
            (Some(sub), None) => Some(Target::Subdomain(sub)),
            (None, Some(url)) => Some(Target::BaseUrl(url)),
            (None, None) => None,
        };
        builder
    }

    /// The API token, sent as `Authorization: Basic <token>`.
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(Token(token.into()));
        self
    }

    /// Kapture's user name, with [`password`](Self::password), instead of a
    /// token: sent as `Authorization: Basic base64(username:password)`, the
    /// token Kapture's order pages describe. Not with a token.
    pub fn username(mut self, username: impl Into<String>) -> Self {
        self.username = Some(username.into());
        self
    }

    /// The password that goes with [`username`](Self::username); never shown.
    pub fn password(mut self, password: impl Into<String>) -> Self {
        self.password = Some(Secret(password.into()));
        self
    }

    /// Your Kapture subdomain: `acme` sends to `https://acme.kapturecrm.com`.
    pub fn subdomain(mut self, subdomain: impl Into<String>) -> Self {
        self.target = Some(Target::Subdomain(subdomain.into()));
        self
    }

    /// Scheme, host, optional port and path prefix, e.g. a sandbox's
    /// `http://127.0.0.1:8080`. Plain `http://` only to loopback hosts.
    pub fn base_url(mut self, base_url: impl Into<String>) -> Self {
        self.target = Some(Target::BaseUrl(base_url.into()));
        self
    }

    /// How long one attempt may take, connecting included (default 30 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How long connecting may take (default 5 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Retries after the first attempt (default 2). Only failures that cannot
    /// have reached the vendor are retried unless
    /// [`retry_unknown_outcome`](Self::retry_unknown_outcome) is set.
    pub fn max_retries(mut self, retries: u32) -> Self {
        self.max_retries = retries;
        self
    }

    /// Also retry failures after which the request may have been processed
    /// (timeouts while waiting, resets, 500/502/504). Only for requests that
    /// are safe to repeat, such as an update carrying `customer_id`.
    pub fn retry_unknown_outcome(mut self, yes: bool) -> Self {
        self.retry_unknown_outcome = yes;
        self
    }

    /// Delays between retries when the server gives no `Retry-After`.
    pub fn backoff(mut self, backoff: Backoff) -> Self {
        self.backoff = backoff;
        self
    }

    /// Longest `Retry-After` waited for (default and upper bound 60 s).
    pub fn max_retry_after(mut self, limit: Duration) -> Self {
        self.max_retry_after = limit.min(MAX_RETRY_AFTER);
        self
    }

    /// Your application's name, sent before `kapture-crm/<version>` in
    /// `User-Agent`.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// A PEM file of extra CA certificates to trust (a corporate proxy's).
    pub fn ca_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.ca_file = Some(path.into());
        self
    }

    /// An extra header sent on every request (one production integration
    /// needs `x-api-key`). Names and values are checked when the client is
    /// built; values are never logged or shown; `Authorization` (and the
    /// other headers the SDK sets) cannot be set this way.
    pub fn default_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.default_headers.0.push((name.into(), value.into()));
        self
    }

    /// Sends this client's log events to `dispatch` instead of the
    /// `tracing` subscriber in force (a binding gives each client its own
    /// logger this way; see [`crate::log::Forward`]).
    pub fn log_to(mut self, dispatch: tracing::Dispatch) -> Self {
        self.log = Some(dispatch);
        self
    }

    /// Paces the client's adds and updates: at most `rate` started per
    /// second, all its calls together (a bulk run's own `rate` applies on
    /// top).
    pub fn rate(mut self, rate: f64) -> Self {
        self.rate = Some(rate);
        self
    }

    /// `"machine"`: `rate` is shared with every client on this machine that
    /// sends to the same CRM with this scope; `"process"` (the default):
    /// this client's alone. See [`crate::rate`].
    pub fn rate_scope(mut self, scope: impl Into<String>) -> Self {
        self.rate_scope = Some(scope.into());
        self
    }

    /// `redis://host:6379/0`: `rate` is shared with every client, on any
    /// machine, naming this Redis. See [`crate::rate`].
    pub fn rate_limiter(mut self, url: impl Into<String>) -> Self {
        self.rate_limiter = Some(crate::auth::Secret(url.into()));
        self
    }

    /// Checks every setting and builds the client.
    pub fn build(self) -> Result<crate::Client, Error> {
        crate::Client::from_config(self.into_config()?)
    }

    pub(crate) fn into_config(self) -> Result<Config, Error> {
        let mut secrets = crate::secrets::Secrets::new();
        if let (Some(user), Some(password)) = (&self.username, &self.password) {
            secrets.add(&password.0);
            secrets.add(&format!("{}:{}", user.trim(), password.0));
        }
        for (_, value) in &self.default_headers.0 {
            secrets.add(value);
        }
        let username = self
            .username
            .as_deref()
            .map(str::trim)
            .filter(|_| self.token.is_none())
            .map(str::to_string);
        let token = match (self.token, self.username, self.password) {
            (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
                return Err(Error::Config(format!(
                    "give a token or a username and password, not both (check {ENV_TOKEN}, \
                     {ENV_USERNAME} and {ENV_PASSWORD})"
                )));
            }
            (None, Some(username), Some(password)) => basic_token(&username, &password.0)?,
            (None, Some(_), None) => {
                return Err(Error::Config(format!(
                    "a username needs its password (or set {ENV_PASSWORD})"
                )));
            }
            (None, None, Some(_)) => {
                return Err(Error::Config(format!(
                    "a password needs its username (or set {ENV_USERNAME})"
                )));
            }
            (token, None, None) => check_token(token)?,
        };
        let endpoint = match self.target {
            Some(Target::Subdomain(sub)) => subdomain_url(&sub)?,
            Some(Target::BaseUrl(url)) => base_url(&url)?,
            Some(Target::Conflict) => {
                return Err(Error::Config(format!(
                    "both {ENV_SUBDOMAIN} and {ENV_BASE_URL} are set; set only one"
                )));
            }
            None => {
                return Err(Error::Config(format!(
                    "no target: give a subdomain (or set {ENV_SUBDOMAIN}) or a base_url \
                     (or set {ENV_BASE_URL})"
                )));
            }
        };
        for (name, value) in [
            ("timeout", self.timeout),
            ("connect_timeout", self.connect_timeout),
        ] {
            if value.is_zero() {
                return Err(Error::Config(format!("{name} must be greater than zero")));
            }
        }
        let sdk = concat!("kapture-crm/", env!("CARGO_PKG_VERSION"));
        let user_agent = match self.user_agent.as_deref().map(str::trim) {
            Some(app) if !app.is_empty() => format!("{app} {sdk}"),
            _ => sdk.to_string(),
        };
        if user_agent.chars().any(|c| c.is_control()) {
            return Err(Error::Config(
                "user_agent must not contain control characters".into(),
            ));
        }
        secrets.add(token.bare());
        let rate = self.rate.map(crate::settings::rate).transpose()?;
        let shared_rate = crate::rate::SharedRate::from_options(
            self.rate_scope.as_deref(),
            self.rate_limiter.as_ref().map(|url| url.0.as_str()),
            rate,
            ("rate_scope", "rate_limiter", "rate"),
        )?;
        Ok(Config {
            token,
            secrets,
            username,
            endpoint,
            timeout: self.timeout,
            connect_timeout: self.connect_timeout,
            max_retries: self.max_retries,
            retry_unknown_outcome: self.retry_unknown_outcome,
            backoff: self.backoff,
            max_retry_after: self.max_retry_after,
            user_agent,
            ca_file: self.ca_file,
            default_headers: check_headers(self.default_headers.0)?,
            log: crate::log::Emitter::new(self.log),
            rate,
            shared_rate,
        })
    }
}

impl Config {
    /// A short check of the API token, to tell a journal's reader that the
    /// key changed (rotated) without keeping the key: 32 bits of a hash
    /// keyed by `salt`, which the journal picks at random. `None` in
    /// username/password mode: a password is guessable, so not even 32 bits
    /// of one are written anywhere.
    pub fn key_check(&self, salt: &str) -> Option<String> {
        if self.username.is_some() {
            return None;
        }
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in salt.bytes().chain([0x1f]).chain(self.token.bare().bytes()) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
        Some(format!("{:08x}", (hash >> 32) ^ (hash & 0xffff_ffff)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(builder: ClientBuilder) -> Result<Config, Error> {
        builder.token("tok").into_config()
    }

    fn endpoint(builder: ClientBuilder) -> String {
        config(builder).unwrap().endpoint.to_string()
    }

    fn config_error(builder: ClientBuilder) -> String {
        match config(builder) {
            Err(Error::Config(message)) => message,
            other => panic!("expected a config error, got {other:?}"),
        }
    }

    #[test]
    fn subdomain_becomes_https_host() {
        assert_eq!(
            endpoint(ClientBuilder::new().subdomain("Acme-01")),
            "https://acme-01.kapturecrm.com/ms/customer/customer/api/v1/add-update"
        );
        for bad in [
            "",
            "acme.kapturecrm.com",
            "acme/x",
            "acme?x",
            "user@acme",
            "-acme",
            "acme-",
            "a b",
            &"a".repeat(64),
        ] {
            let message = config_error(ClientBuilder::new().subdomain(bad));
            assert!(message.contains("DNS label"), "{bad}: {message}");
        }
    }

    #[test]
    fn base_url_gets_the_endpoint_path() {
        let cases = [
            (
                "https://devapi.kapturecrm.com",
                "https://devapi.kapturecrm.com",
            ),
            (
                "https://proxy.example.com/kapture/",
                "https://proxy.example.com/kapture",
            ),
            ("http://127.0.0.1:8080", "http://127.0.0.1:8080"),
            ("http://localhost:9", "http://localhost:9"),
            ("http://[::1]:9", "http://[::1]:9"),
            ("http://127.3.4.5", "http://127.3.4.5"),
        ];
        for (given, base) in cases {
            assert_eq!(
                endpoint(ClientBuilder::new().base_url(given)),
                format!("{base}{ADD_CUSTOMER_PATH}"),
                "{given}"
            );
        }
        // The full endpoint is not doubled.
        let full = format!("https://x.kapturecrm.com{ADD_CUSTOMER_PATH}");
        assert_eq!(endpoint(ClientBuilder::new().base_url(&full)), full);
    }

    #[test]
    fn base_url_refusals() {
        let cases = [
            ("http://example.com", "loopback"),
            ("http://10.0.0.1:80", "loopback"),
            ("http://localhost.example.com", "loopback"),
            ("ftp://127.0.0.1", "https://"),
            ("https://x.com/?a=1", "query"),
            ("https://x.com/#f", "query"),
            ("not a url", "not a URL"),
        ];
        for (given, expected) in cases {
            let message = config_error(ClientBuilder::new().base_url(given));
            assert!(message.contains(expected), "{given}: {message}");
        }
        let message = config_error(ClientBuilder::new().base_url("https://u:secretpw@x.com"));
        assert!(message.contains("credentials") && !message.contains("secretpw"));
    }

    #[test]
    fn token_rules() {
        let t = Token("abc".into());
        assert_eq!(t.header_value(), "Basic abc");
        let t = Token("Basic abc".into());
        assert_eq!(t.header_value(), "Basic abc");
        assert_eq!(t.bare(), "abc");
        let t = Token("basic abc".into());
        assert_eq!(t.header_value(), "basic abc");
        let target = || ClientBuilder::new().subdomain("acme");
        for bad in ["a\nb", "tok\r", "\u{7f}x"] {
            let Err(Error::Config(m)) = target().token(bad).into_config() else {
                panic!("{bad:?} accepted")
            };
            assert!(m.contains("control"));
        }
        assert!(target().token("").into_config().is_err());
        assert!(target().token("Basic ").into_config().is_err());
        assert!(
            matches!(target().into_config(), Err(Error::Config(m)) if m.contains("KAPTURE_TOKEN"))
        );
    }

    #[test]
    fn other_settings() {
        let c = config(ClientBuilder::new().subdomain("a")).unwrap();
        assert_eq!(c.timeout, Duration::from_secs(30));
        assert_eq!(c.connect_timeout, Duration::from_secs(5));
        assert_eq!(c.max_retries, 2);
        assert_eq!(
            c.user_agent,
            format!("kapture-crm/{}", env!("CARGO_PKG_VERSION"))
        );
        let c = config(ClientBuilder::new().subdomain("a").user_agent("shop/2")).unwrap();
        assert!(c.user_agent.starts_with("shop/2 kapture-crm/"));
        assert!(config(ClientBuilder::new().subdomain("a").timeout(Duration::ZERO)).is_err());
        assert!(
            matches!(config(ClientBuilder::new()), Err(Error::Config(m)) if m.contains("no target"))
        );
    }

    #[test]
    fn user_and_password_make_a_basic_token_and_a_colon_token_is_refused() {
        let config = ClientBuilder::new()
            .subdomain("a")
            .username("asha")
            .password("p@ss:word")
            .into_config()
            .unwrap();
        // base64("asha:p@ss:word")
        assert_eq!(config.token.bare(), "YXNoYTpwQHNzOndvcmQ=");
        let err = |b: ClientBuilder| match b.into_config() {
            Err(Error::Config(m)) => m,
            other => panic!("expected a config error, got {other:?}"),
        };
        let m = err(ClientBuilder::new().subdomain("a").token("asha:secret"));
        assert!(m.contains("username") && !m.contains("secret"), "{m}");
        let m = err(ClientBuilder::new()
            .subdomain("a")
            .token("t")
            .username("u")
            .password("p"));
        assert!(m.contains("not both"), "{m}");
        assert!(err(ClientBuilder::new().subdomain("a").username("u")).contains("password"));
        let debug = format!(
            "{:?}",
            ClientBuilder::new().username("u").password("hunter2")
        );
        assert!(!debug.contains("hunter2"), "{debug}");
    }

    #[test]
    fn debug_hides_the_token() {
        let c = ClientBuilder::new().subdomain("a").token("s3cr3t-t0ken");
        assert!(!format!("{c:?}").contains("s3cr3t"));
        assert!(!format!("{:?}", c.into_config().unwrap()).contains("s3cr3t"));
    }
}
