//! `NativeClient`: the core client behind `lib/client.js`.

use kapture_crm::ClientSettings;
use kapture_crm::bulk::BulkOptions;
use kapture_crm::resume::RunJournal;
use kapture_crm::settings::{self, Unit};
use kapture_crm::{Client, ClientBuilder, Error, RequestOptions};
use napi::bindgen_prelude::{FnArgs, Function};
use napi_derive::napi;

use crate::bulk::NativeBulk;
use crate::cancel::NativeCancel;
use crate::convert::request;
use crate::error::to_napi;
use crate::hub::{NativeHub, Reply};

/// Options of `new Client(...)`; every field optional, missing ones come
/// from `KAPTURE_TOKEN`, `KAPTURE_SUBDOMAIN`, `KAPTURE_BASE_URL` or defaults.
#[napi(object)]
pub struct ClientOptions {
    /// Sent as `Authorization: Basic <token>`.
    pub token: Option<String>,
    /// `acme` sends to `https://acme.kapturecrm.com`.
    pub subdomain: Option<String>,
    /// Scheme, host, port, optional path prefix; `http://` only to loopback.
    pub base_url: Option<String>,
    /// Per attempt, in milliseconds (default 30000).
    pub timeout_ms: Option<f64>,
    /// Connecting, in milliseconds (default 5000).
    pub connect_timeout_ms: Option<f64>,
    /// Retries of what cannot have reached Kapture (default 2).
    pub max_retries: Option<f64>,
    /// Also retry failures after which the customer may exist (default false).
    pub retry_unknown_outcome: Option<bool>,
    /// Sent before `kapture-crm/<version>` in `User-Agent`.
    pub user_agent: Option<String>,
    /// Instead of a token: Kapture's user name and password (sent as
    /// `Basic base64(username:password)`).
    pub username: Option<String>,
    pub password: Option<String>,
    /// Extra headers on every request (`x-api-key`...); values never shown.
    pub default_headers: Option<std::collections::HashMap<String, String>>,
    /// PEM file of extra CA certificates.
    pub ca_file: Option<String>,
    /// Adds and updates per second at most, all of the client's calls
    /// together.
    pub rate: Option<f64>,
    /// `'machine'`: `rate` shared with the clients of every process on this
    /// machine that name this scope.
    pub rate_scope: Option<String>,
    /// `'redis://host:6379/0'`: `rate` shared with every client naming it.
    pub rate_limiter: Option<String>,
}

/// The options as core settings; every rule is the core's
/// (`kapture_crm::settings`), only the names are JavaScript's.
fn builder(options: ClientOptions, log: tracing::Dispatch) -> Result<ClientBuilder, Error> {
    let millis = |name, value: Option<f64>| {
        value
            .map(|v| settings::duration(name, v, Unit::Milliseconds))
            .transpose()
    };
    ClientSettings {
        token: options.token,
        username: options.username,
        password: options.password,
        default_headers: options
            .default_headers
            .map(|headers| headers.into_iter().collect())
            .unwrap_or_default(),
        subdomain: options.subdomain,
        base_url: options.base_url,
        timeout: millis("timeoutMs", options.timeout_ms)?,
        connect_timeout: millis("connectTimeoutMs", options.connect_timeout_ms)?,
        max_retries: options
            .max_retries
            .map(|n| settings::max_retries("maxRetries", n))
            .transpose()?,
        retry_unknown_outcome: options.retry_unknown_outcome,
        user_agent: options.user_agent,
        ca_file: options.ca_file.map(Into::into),
        log: Some(log),
        rate: options.rate,
        rate_scope: options.rate_scope,
        rate_limiter: options.rate_limiter,
    }
    .builder()
}

/// Per-call overrides in JavaScript's names, checked by the core's rules.
fn per_call(timeout_ms: Option<f64>, max_retries: Option<f64>) -> napi::Result<RequestOptions> {
    RequestOptions::checked(
        timeout_ms,
        max_retries,
        Unit::Milliseconds,
        ("timeoutMs", "maxRetries"),
    )
    .map_err(|e| to_napi(&e))
}

/// The call's options: `timeoutMs`, `maxRetries`, and `cancel` when
/// `lib/client.js` passed one (a call given an `AbortSignal`).
fn call_options(
    timeout_ms: Option<f64>,
    max_retries: Option<f64>,
    cancel: Option<&NativeCancel>,
) -> napi::Result<RequestOptions> {
    let mut options = per_call(timeout_ms, max_retries)?;
    options.cancel = cancel.map(NativeCancel::token);
    Ok(options)
}

#[napi]
pub struct NativeClient {
    client: Client,
    log: std::sync::Arc<crate::log::LogSlot>,
}

#[napi]
impl NativeClient {
    /// `log_level` as resolved by `lib/client.js` (option, `KAPTURE_LOG`,
    /// `warn`), named `log_level_name` in errors; `log` calls the logger.
    #[napi(constructor, catch_unwind)]
    // Spelled out: napi writes the function's TypeScript type from it.
    #[allow(clippy::type_complexity)]
    pub fn new(
        options: Option<ClientOptions>,
        log_level: Option<String>,
        log_level_name: Option<String>,
        log: Option<Function<'_, FnArgs<(String, String, String, String, String)>, ()>>,
    ) -> napi::Result<Self> {
        let options = options.unwrap_or(ClientOptions {
            token: None,
            subdomain: None,
            base_url: None,
            timeout_ms: None,
            connect_timeout_ms: None,
            max_retries: None,
            retry_unknown_outcome: None,
            user_agent: None,
            ca_file: None,
            username: None,
            password: None,
            default_headers: None,
            rate: None,
            rate_scope: None,
            rate_limiter: None,
        });
        let (dispatch, log) = crate::log::dispatch(
            log_level_name.as_deref().unwrap_or("logLevel"),
            log_level.as_deref().unwrap_or("off"),
            log,
        )?;
        let client = builder(options, dispatch)
            .and_then(ClientBuilder::build)
            .map_err(|e| to_napi(&e))?;
        Ok(Self { client, log })
    }

    /// Lets go of the logger while the client is idle (see `log.rs`).
    #[napi(catch_unwind)]
    pub fn detach_log(&self) {
        self.log.detach();
    }

    /// Attaches the logger again before a call.
    // The tuple is written out: napi writes the TypeScript signature from
    // the type as written, and an alias would appear there by its name.
    #[allow(clippy::type_complexity)]
    #[napi(catch_unwind)]
    pub fn attach_log(
        &self,
        log: Function<'_, FnArgs<(String, String, String, String, String)>, ()>,
    ) -> napi::Result<()> {
        self.log.attach(log)
    }

    #[napi(getter, catch_unwind)]
    pub fn endpoint(&self) -> String {
        self.client.config().endpoint.to_string()
    }

    /// One add (request as JSON text); its reply reaches `hub` as call `id`.
    #[napi(catch_unwind)]
    #[allow(clippy::too_many_arguments)] // the call's, then where it reports
    pub fn add_customer(
        &self,
        request_json: String,
        timeout_ms: Option<f64>,
        max_retries: Option<f64>,
        cancel: Option<&NativeCancel>,
        hub: &NativeHub,
        id: u32,
    ) -> napi::Result<()> {
        let options = call_options(timeout_ms, max_retries, cancel)?;
        // Read and checked here, on the JavaScript thread, not on the I/O
        // thread every call shares (`hub.rs` says why); a bad request is
        // thrown before anything is spawned.
        let request = request(&request_json).map_err(|e| to_napi(&e))?;
        let client = self.client.clone();
        hub.spawn(id, async move {
            let reply = client.send_checked_with(&request, &options).await?;
            Ok(Some(Reply::Text(reply.into_json_text())))
        });
        Ok(())
    }

    /// Update Customer: the request (JSON text) with Kapture's customer id
    /// set, validated by the update rules; the reply reaches `hub` as `id`.
    #[napi(catch_unwind)]
    #[allow(clippy::too_many_arguments)] // the call's, then where it reports
    pub fn update_customer(
        &self,
        customer_id: String,
        request_json: String,
        timeout_ms: Option<f64>,
        max_retries: Option<f64>,
        cancel: Option<&NativeCancel>,
        hub: &NativeHub,
        id: u32,
    ) -> napi::Result<()> {
        let options = call_options(timeout_ms, max_retries, cancel)?;
        // As `add_customer`: checked before anything is spawned.
        let request =
            crate::convert::update(&request_json, &customer_id).map_err(|e| to_napi(&e))?;
        let client = self.client.clone();
        hub.spawn(id, async move {
            let reply = client.send_checked_with(&request, &options).await?;
            Ok(Some(Reply::Text(reply.into_json_text())))
        });
        Ok(())
    }

    /// Get Customer: `{"customer_id", "phone", "email"}` (JSON text from
    /// `lib/client.js`); the customer, or null when there is no such
    /// customer, reaches `hub` as call `id`.
    #[napi(catch_unwind)]
    #[allow(clippy::too_many_arguments)] // the call's, then where it reports
    pub fn find_customer(
        &self,
        lookup_json: String,
        timeout_ms: Option<f64>,
        max_retries: Option<f64>,
        cancel: Option<&NativeCancel>,
        hub: &NativeHub,
        id: u32,
    ) -> napi::Result<()> {
        let options = call_options(timeout_ms, max_retries, cancel)?;
        // As `add_customer`: checked before anything is spawned.
        let lookup = crate::convert::lookup(&lookup_json).map_err(|e| to_napi(&e))?;
        let client = self.client.clone();
        hub.spawn(id, async move {
            let found = client.find_customer_with(&lookup, &options).await?;
            Ok(found.map(|customer| Reply::Tree(customer.into_json().into())))
        });
        Ok(())
    }

    /// Add or update by `match_on` (`phone` or `email`, the core's rule);
    /// `{ action, customerId, response }` reaches `hub` as call `id`.
    #[napi(catch_unwind)]
    #[allow(clippy::too_many_arguments)] // the call's, then where it reports
    pub fn upsert_customer(
        &self,
        request_json: String,
        match_on: String,
        timeout_ms: Option<f64>,
        max_retries: Option<f64>,
        cancel: Option<&NativeCancel>,
        hub: &NativeHub,
        id: u32,
    ) -> napi::Result<()> {
        let options = call_options(timeout_ms, max_retries, cancel)?;
        // As `add_customer`: checked before anything is spawned.
        let on = kapture_crm::MatchOn::parse("match", &match_on).map_err(|e| to_napi(&e))?;
        let request = request(&request_json)
            .map_err(|e| to_napi(&e))?
            .into_request();
        let client = self.client.clone();
        hub.spawn(id, async move {
            let done = client.upsert_customer_with(&request, on, &options).await?;
            Ok(Some(Reply::Tree(serde_json::json!({
                "action": done.action,
                "customerId": done.customer_id,
                "response": done.response.into_json(),
            }))))
        });
        Ok(())
    }

    /// A bulk run on the core's engine. `concurrency` and `rate` are
    /// checked by the core (`BulkOptions::new`). `onReady` is
    /// called when a run that was full, or had no outcome, may have one
    /// (`src/bulk.rs`).
    #[napi(catch_unwind)]
    #[allow(clippy::too_many_arguments)] // the JavaScript signature's
    pub fn bulk(
        &self,
        concurrency: Option<f64>,
        ordered: bool,
        rate: Option<f64>,
        row_options_json: Option<String>,
        timeout_ms: Option<f64>,
        max_retries: Option<f64>,
        upsert: Option<String>,
        journal: Option<String>,
        key_given: bool,
        file_rows: bool,
        rate_scope: Option<String>,
        rate_limiter: Option<String>,
        reconcile: bool,
        on_ready: Function<'_, (), ()>,
    ) -> napi::Result<NativeBulk> {
        kapture_crm::resume::check_keying(
            journal.is_some(),
            key_given,
            file_rows,
            reconcile.then_some("reconcile: true"),
            ("the key option", "readRows()"),
        )
        .map_err(|e| to_napi(&e))?;
        let mut options = BulkOptions::new(concurrency, ordered, rate)
            .and_then(|o| o.with_upsert(upsert.as_deref()))
            .and_then(|o| {
                o.with_shared_rate(
                    rate_scope.as_deref(),
                    rate_limiter.as_deref(),
                    ("rateScope", "rateLimiter", "rate"),
                )
            })
            .map_err(|e| to_napi(&e))?;
        options.reconcile = reconcile;
        #[cfg(feature = "testing")]
        {
            options.fault_panic_after = crate::testing::take_panic_after();
        }
        let records = crate::rows::options(row_options_json.as_deref())
            .and_then(kapture_crm::rows::Records::new)
            .map_err(|e| to_napi(&e))?;
        let client = self
            .client
            .with_options(&per_call(timeout_ms, max_retries)?);
        let journal = journal
            .map(|path| RunJournal::open(std::path::Path::new(&path), client.config()))
            .transpose()
            .map_err(|e| to_napi(&e))?;
        NativeBulk::start(client, options, records, on_ready, journal)
    }
}
