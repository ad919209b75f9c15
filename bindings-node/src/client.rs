//! `NativeClient`: the core client behind `lib/client.js`.

use kapture_crm::bulk::BulkOptions;
use kapture_crm::settings::{self, ClientSettings, Unit};
use kapture_crm::{Client, ClientBuilder, Error};
use napi_derive::napi;

use crate::bulk::NativeBulk;
use crate::convert::request;
use crate::error::{guarded, to_napi};

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
}

/// The options as core settings; every rule is the core's
/// (`kapture_crm::settings`), only the names are JavaScript's.
fn builder(options: ClientOptions) -> Result<ClientBuilder, Error> {
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
    }
    .builder()
}

#[napi]
pub struct NativeClient {
    client: Client,
}

#[napi]
impl NativeClient {
    #[napi(constructor, catch_unwind)]
    pub fn new(options: Option<ClientOptions>) -> napi::Result<Self> {
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
        });
        let client = builder(options)
            .and_then(ClientBuilder::build)
            .map_err(|e| to_napi(&e))?;
        Ok(Self { client })
    }

    #[napi(getter, catch_unwind)]
    pub fn endpoint(&self) -> String {
        self.client.config().endpoint.to_string()
    }

    /// Validates and sends one request (JSON text); resolves with the reply
    /// as JSON text.
    #[napi(catch_unwind)]
    pub async fn add_customer(&self, request_json: String) -> napi::Result<String> {
        let client = self.client.clone();
        guarded(async move {
            let request = request(&request_json).map_err(|e| to_napi(&e))?;
            let reply = client
                .add_customer(&request)
                .await
                .map_err(|e| to_napi(&e))?;
            serde_json::to_string(reply.as_json())
                .map_err(|e| crate::error::internal(&e.to_string()))
        })
        .await
    }

    /// Update Customer: the request (JSON text) with Kapture's customer id
    /// set, validated by the update rules; resolves with the reply as JSON
    /// text.
    #[napi(catch_unwind)]
    pub async fn update_customer(
        &self,
        customer_id: String,
        request_json: String,
    ) -> napi::Result<String> {
        let client = self.client.clone();
        guarded(async move {
            let request =
                crate::convert::update(&request_json, &customer_id).map_err(|e| to_napi(&e))?;
            let reply = client
                .update_customer(&customer_id, &request)
                .await
                .map_err(|e| to_napi(&e))?;
            serde_json::to_string(reply.as_json())
                .map_err(|e| crate::error::internal(&e.to_string()))
        })
        .await
    }

    /// Get Customer: `{"customer_id", "phone", "email"}` (JSON text from
    /// `lib/client.js`); resolves with the customer as JSON text, or null
    /// when there is no such customer.
    #[napi(catch_unwind)]
    pub async fn find_customer(&self, lookup_json: String) -> napi::Result<Option<String>> {
        let client = self.client.clone();
        guarded(async move {
            let lookup = crate::convert::lookup(&lookup_json).map_err(|e| to_napi(&e))?;
            let found = client
                .find_customer(&lookup)
                .await
                .map_err(|e| to_napi(&e))?;
            found
                .map(|customer| serde_json::to_string(customer.as_json()))
                .transpose()
                .map_err(|e| crate::error::internal(&e.to_string()))
        })
        .await
    }

    /// A bulk run on the core's engine. `concurrency` and `rate` are
    /// checked by the core (`BulkOptions::new`); `testPanicAfter` is a test
    /// fault: the engine panics after that many outcomes.
    #[napi(catch_unwind)]
    pub fn bulk(
        &self,
        concurrency: Option<f64>,
        ordered: bool,
        rate: Option<f64>,
        test_panic_after: Option<u32>,
        row_options_json: Option<String>,
    ) -> napi::Result<NativeBulk> {
        let mut options = BulkOptions::new(concurrency, ordered, rate).map_err(|e| to_napi(&e))?;
        options.fault_panic_after = test_panic_after.map(|n| n as usize);
        let records = crate::rows::options(row_options_json.as_deref())
            .and_then(kapture_crm::rows::Records::new)
            .map_err(|e| to_napi(&e))?;
        NativeBulk::start(self.client.clone(), options, records)
    }
}
