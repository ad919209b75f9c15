//! The async client: one pooled connection set, validation before I/O, and
//! retries that never create a duplicate customer.

use std::fmt;
use std::sync::Arc;

use reqwest::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use serde_json::Value;

use crate::attempt_log;
use crate::config::{ClientBuilder, Config};
use crate::error::Error;
use crate::lookup::{Customer, CustomerLookup, interpret_lookup, should_retry_lookup};
use crate::model::AddCustomerRequest;
use crate::options::{Progress, RequestOptions};
use crate::rate::pacer::Pacer;
use crate::response::{AddCustomerResponse, MAX_REPLY_BYTES, RawReply, interpret};
use crate::retry::{Wait, parse_retry_after, should_retry, wait};
use crate::transport::{http_client, transport_error};

/// What [`Client::retrying`] sends and how it judges each reply: an add's
/// rules or a lookup's.
struct Attempts<'a, T> {
    url: &'a reqwest::Url,
    interpret: fn(&RawReply, &crate::secrets::Secrets) -> Result<T, Error>,
    retryable: &'a (dyn Fn(&Error) -> bool + Send + Sync),
    /// An add's progress, for a cancel to tell whether it may have landed.
    progress: Option<&'a Progress>,
    observer: Option<&'a (dyn Fn(&Error) + Send + Sync)>,
    /// An add: a failure given up on is logged (a warning when the customer
    /// may exist). A lookup's failure changes nothing and is the caller's.
    log_failure: bool,
}

/// A Kapture CRM client. Cheap to clone: clones share one connection pool.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    /// Kept to build another pool with the same settings
    /// ([`Client::with_own_pool`]) without reading certificates again.
    tls: rustls::ClientConfig,
    config: Config,
    authorization: HeaderValue,
    /// Get Customer's URL, beside the add URL (the base URL's path kept).
    lookup: reqwest::Url,
    /// Attempts in flight on this pool (`crate::stale`).
    attempts: crate::stale::InFlight,
    /// The pace of this client's adds and updates (`Config::rate`), shared
    /// by its clones.
    pacer: Option<Arc<Pacer>>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = &self.inner.config;
        f.debug_struct("Client")
            .field("endpoint", &c.endpoint.as_str())
            .field("token", &"[REDACTED]")
            .field("timeout", &c.timeout)
            .field("max_retries", &c.max_retries)
            .finish_non_exhaustive()
    }
}

impl Client {
    pub fn builder() -> ClientBuilder {
        ClientBuilder::new()
    }

    /// A client from `KAPTURE_TOKEN` and `KAPTURE_SUBDOMAIN` or
    /// `KAPTURE_BASE_URL`.
    pub fn from_env() -> Result<Self, Error> {
        ClientBuilder::from_env().build()
    }

    pub(crate) fn from_config(config: Config) -> Result<Self, Error> {
        let mut authorization = HeaderValue::from_str(&config.token.header_value())
            .map_err(|_| Error::Config("the token is not a valid header value".into()))?;
        authorization.set_sensitive(true);
        let tls = crate::tls::client_config(config.ca_file.as_deref())?;
        Ok(Self {
            inner: Arc::new(Inner {
                lookup: crate::endpoint::lookup_url(&config.endpoint),
                http: http_client(&config, tls.clone())?,
                tls,
                pacer: pacer_of(&config),
                authorization,
                attempts: crate::stale::InFlight::default(),
                config,
            }),
        })
    }

    /// The same client with a connection pool of its own. A pool's
    /// connections are driven by the runtime that opened them, so each
    /// thread of [`crate::blocking::Client`] needs its own.
    pub(crate) fn with_own_pool(&self) -> Result<Self, Error> {
        let inner = &*self.inner;
        Ok(Self {
            inner: Arc::new(Inner {
                http: http_client(&inner.config, inner.tls.clone())?,
                tls: inner.tls.clone(),
                config: inner.config.clone(),
                authorization: inner.authorization.clone(),
                lookup: inner.lookup.clone(),
                attempts: crate::stale::InFlight::default(),
                pacer: inner.pacer.clone(),
            }),
        })
    }

    /// The settings this client was built with (the token is not readable).
    pub fn config(&self) -> &Config {
        &self.inner.config
    }

    /// A client with `options` (timeout, max_retries) in place of this one's
    /// settings, sharing this one's connection pool: openai-python's
    /// `client.with_options(...)`. A `cancel` token in `options` is ignored
    /// here; give it per call.
    pub fn with_options(&self, options: &RequestOptions) -> Client {
        if options.timeout.is_none() && options.max_retries.is_none() {
            return self.clone();
        }
        let inner = &*self.inner;
        Client {
            inner: Arc::new(Inner {
                http: inner.http.clone(),
                tls: inner.tls.clone(),
                config: options.apply(&inner.config),
                authorization: inner.authorization.clone(),
                lookup: inner.lookup.clone(),
                // The same pool: the same count.
                attempts: inner.attempts.clone(),
                pacer: inner.pacer.clone(),
            }),
        }
    }

    /// Validates the request, sends it, retries what is safe to retry, and
    /// returns the parsed reply. Nothing is sent when validation fails.
    pub async fn add_customer(
        &self,
        request: &AddCustomerRequest,
    ) -> Result<AddCustomerResponse, Error> {
        self.add_customer_observed(request, &|_| {}).await
    }

    /// [`add_customer`](Self::add_customer) with per-call `options`.
    ///
    /// Cancelling (through `options.cancel`, or by dropping the future) stops
    /// the call where it is. Before the first attempt started nothing was
    /// sent; while an attempt is on the wire the customer may or may not
    /// have been added (the error is [`Error::Aborted`] with
    /// `outcome_unknown`; a dropped future gives no error, and the same
    /// holds): settle it with [`find_customer`](Self::find_customer).
    pub async fn add_customer_with(
        &self,
        request: &AddCustomerRequest,
        options: &RequestOptions,
    ) -> Result<AddCustomerResponse, Error> {
        let client = self.with_options(options);
        let progress = Progress::default();
        let work = client.add_customer_tracked(request, &|_| {}, &progress);
        cancellable(work, options, &progress).await
    }

    /// [`add_customer_with`](Self::add_customer_with) for a request already
    /// checked (a front end's conversion checks every rule once): sent as
    /// it is. An update is a checked request with its customer id set.
    pub async fn send_checked_with(
        &self,
        request: &crate::CheckedRequest,
        options: &RequestOptions,
    ) -> Result<AddCustomerResponse, Error> {
        let client = self.with_options(options);
        let progress = Progress::default();
        let work = client.send(request.to_wire(), &|_| {}, &progress);
        cancellable(work, options, &progress).await
    }

    /// [`add_customer`](Self::add_customer), telling `observer` of every
    /// failed attempt, retried or not (the bulk engine slows down on 429/503).
    pub async fn add_customer_observed(
        &self,
        request: &AddCustomerRequest,
        observer: &(dyn Fn(&Error) + Send + Sync),
    ) -> Result<AddCustomerResponse, Error> {
        self.add_customer_tracked(request, observer, &Progress::default())
            .await
    }

    async fn add_customer_tracked(
        &self,
        request: &AddCustomerRequest,
        observer: &(dyn Fn(&Error) + Send + Sync),
        progress: &Progress,
    ) -> Result<AddCustomerResponse, Error> {
        request.validate()?;
        self.send(request.to_wire(), observer, progress).await
    }

    /// Updates the customer Kapture knows by `customer_id` (digits): the
    /// vendor's Update Customer, the same URL as adds with
    /// `customer_info.customer_id` set. Name, phone and email become
    /// optional (each still checked when given). Retried like an add: an
    /// update is not safe to repeat (a contact without a `contact_id` is
    /// added again on every send), so an ambiguous failure is returned with
    /// `outcome_unknown`.
    pub async fn update_customer(
        &self,
        customer_id: &str,
        request: &AddCustomerRequest,
    ) -> Result<AddCustomerResponse, Error> {
        self.update_customer_with(customer_id, request, &RequestOptions::default())
            .await
    }

    /// [`update_customer`](Self::update_customer) with per-call `options`
    /// (cancelling leaves what [`add_customer_with`](Self::add_customer_with)
    /// says).
    pub async fn update_customer_with(
        &self,
        customer_id: &str,
        request: &AddCustomerRequest,
        options: &RequestOptions,
    ) -> Result<AddCustomerResponse, Error> {
        let mut request = request.clone();
        request.customer_info.customer_id = customer_id.trim().to_string();
        if request.customer_info.customer_id.is_empty() {
            return Err(crate::validate::update_needs_id());
        }
        self.add_customer_with(&request, options).await
    }

    /// [`add_customer`](Self::add_customer) for untyped JSON, the vendor's
    /// shape: every problem is reported (see [`crate::parse`]).
    pub async fn add_customer_json(&self, request: &Value) -> Result<AddCustomerResponse, Error> {
        let request = AddCustomerRequest::from_json(request)?;
        self.add_customer(&request).await
    }

    /// Looks a customer up by Kapture's customer id, phone or email (Get
    /// Customer): `Ok(None)` when the vendor says there is no such customer.
    /// A read, so timeouts, resets, 5xx and 429 are retried (see
    /// [`crate::lookup`]).
    pub async fn find_customer(&self, lookup: &CustomerLookup) -> Result<Option<Customer>, Error> {
        self.find_customer_with(lookup, &RequestOptions::default())
            .await
    }

    /// [`find_customer`](Self::find_customer) with per-call `options`. A
    /// lookup changes nothing, so a cancelled one leaves nothing unknown.
    pub async fn find_customer_with(
        &self,
        lookup: &CustomerLookup,
        options: &RequestOptions,
    ) -> Result<Option<Customer>, Error> {
        lookup.validate()?;
        let client = self.with_options(options);
        let work = client.find_attempts(lookup);
        cancellable(work, options, &Progress::default()).await
    }

    async fn find_attempts(&self, lookup: &CustomerLookup) -> Result<Option<Customer>, Error> {
        let body = bytes::Bytes::from(lookup.body().to_string());
        let found = self
            .retrying(
                body,
                Attempts {
                    url: &self.inner.lookup,
                    interpret: interpret_lookup,
                    retryable: &should_retry_lookup,
                    progress: None,
                    observer: None,
                    log_failure: false,
                },
            )
            .await?;
        crate::lookup::log_decision(&self.inner.config.log, lookup, found.as_ref());
        Ok(found)
    }

    async fn send(
        &self,
        body: Vec<u8>,
        observer: &(dyn Fn(&Error) + Send + Sync),
        progress: &Progress,
    ) -> Result<AddCustomerResponse, Error> {
        let config = &self.inner.config;
        let retry_unknown = config.retry_unknown_outcome;
        self.retrying(
            bytes::Bytes::from(body),
            Attempts {
                url: &config.endpoint,
                interpret,
                retryable: &|error| should_retry(error, retry_unknown),
                progress: Some(progress),
                observer: Some(observer),
                log_failure: true,
            },
        )
        .await
    }

    /// The one retry loop: attempts of `body` to `attempts.url`, each reply
    /// judged by `attempts.interpret`, a failure retried while
    /// `attempts.retryable` says so and `max_retries` and `Retry-After`
    /// allow, with its backoff; every attempt, retry and giving up logged.
    async fn retrying<T>(&self, body: bytes::Bytes, attempts: Attempts<'_, T>) -> Result<T, Error> {
        use std::sync::atomic::Ordering::SeqCst;
        let config = &self.inner.config;
        let mut retry = 0;
        // An add or update is paced (a lookup is a read: not).
        let pacer = self
            .inner
            .pacer
            .as_deref()
            .filter(|_| attempts.progress.is_some());
        loop {
            if let Some(pacer) = pacer {
                pacer.wait_turn().await?;
            }
            let started = std::time::Instant::now();
            if let Some(progress) = attempts.progress {
                progress.in_flight.store(true, SeqCst);
            }
            let reply = self.attempt(attempts.url, body.clone()).await;
            let status = reply.as_ref().ok().map(|r| r.status);
            let (outcome, retry_after) = match reply {
                Ok(reply) => (
                    (attempts.interpret)(&reply, &config.secrets),
                    reply.retry_after,
                ),
                Err(error) => (Err(error), None),
            };
            attempt_log::attempt(config, attempts.url, retry, status, &outcome, started);
            let error = match outcome {
                Ok(answer) => {
                    if let Some(pacer) = pacer {
                        pacer.succeeded();
                    }
                    return Ok(answer);
                }
                Err(error) => error,
            };
            if let Some(pacer) = pacer
                && matches!(
                    error,
                    Error::RateLimited { .. } | Error::Server { status: 503, .. }
                )
                && let Some((from, to)) = pacer.throttled()
            {
                crate::rate::log_lowered(&config.log, "the client's ", from, to, error.code());
            }
            if let Some(progress) = attempts.progress {
                if error.outcome_unknown() {
                    progress.unknown.store(true, SeqCst);
                }
                progress.in_flight.store(false, SeqCst);
            }
            if let Some(observer) = attempts.observer {
                observer(&error);
            }
            if retry >= config.max_retries || !(attempts.retryable)(&error) {
                if attempts.log_failure {
                    attempt_log::give_up(config, &error, None);
                }
                return Err(error);
            }
            let delay = match wait(retry, retry_after, &config.backoff, config.max_retry_after) {
                Wait::Retry(delay) => delay,
                // Longer than we wait: the caller gets it with `retry_after`.
                Wait::GiveUp => {
                    attempt_log::give_up(config, &error, retry_after);
                    return Err(error);
                }
            };
            attempt_log::retry(config, &error, delay, retry);
            tokio::time::sleep(delay).await;
            retry += 1;
        }
    }

    /// One request and its whole reply, at most [`MAX_REPLY_BYTES`] of it.
    async fn attempt(&self, url: &reqwest::Url, body: bytes::Bytes) -> Result<RawReply, Error> {
        let inner = &*self.inner;
        let _attempt = inner.attempts.settle_if_alone().await;
        let mut response = inner
            .http
            .post(url.clone())
            // Per request: a client from `with_options` shares the pool but
            // not the timeout.
            .timeout(inner.config.timeout)
            .header(AUTHORIZATION, inner.authorization.clone())
            .header(CONTENT_TYPE, "application/json")
            .header(ACCEPT, "application/json")
            .body(body)
            .send()
            .await
            .map_err(|e| transport_error(&e, &inner.config))?;

        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after);
        let too_large = || Error::UnexpectedResponse {
            status,
            message: format!(
                "the reply is larger than {} MiB; refused",
                MAX_REPLY_BYTES >> 20
            ),
            body: String::new(),
        };
        if response
            .content_length()
            .is_some_and(|len| len > MAX_REPLY_BYTES as u64)
        {
            return Err(too_large());
        }
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| transport_error(&e, &inner.config))?
        {
            if body.len() + chunk.len() > MAX_REPLY_BYTES {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(RawReply {
            status,
            retry_after,
            body,
        })
    }
}

/// Runs `work` until done or until `options.cancel` is cancelled: the
/// error then says whether an attempt was on its way (`progress`). An
/// already-cancelled token sends nothing.
async fn cancellable<T>(
    work: impl std::future::Future<Output = Result<T, Error>>,
    options: &RequestOptions,
    progress: &Progress,
) -> Result<T, Error> {
    let Some(cancel) = &options.cancel else {
        return work.await;
    };
    if cancel.is_cancelled() {
        return Err(progress.aborted());
    }
    tokio::select! {
        result = work => result,
        () = cancel.cancelled() => Err(progress.aborted()),
    }
}

/// The pacer a client's config asks for.
fn pacer_of(config: &Config) -> Option<Arc<Pacer>> {
    let rate = config.rate?;
    Some(Arc::new(match &config.shared_rate {
        Some(shared) => Pacer::shared(rate, shared, &config.crm_key()),
        None => Pacer::new(Some(rate)),
    }))
}
