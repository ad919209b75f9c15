//! `NativeClient`: the core client behind `lib/client.js`.

use std::time::Duration;

use kapture_crm::bulk::BulkOptions;
use kapture_crm::{AddCustomerRequest, Client, ClientBuilder, Error, FieldError};
use napi_derive::napi;

use crate::bulk::NativeBulk;
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
    /// PEM file of extra CA certificates.
    pub ca_file: Option<String>,
}

fn millis(name: &str, value: f64) -> Result<Duration, Error> {
    if value.is_finite() && value > 0.0 {
        Ok(Duration::from_secs_f64(value / 1000.0))
    } else {
        Err(Error::Config(format!(
            "{name} must be a positive number of milliseconds, got {value}"
        )))
    }
}

fn builder(options: ClientOptions) -> Result<ClientBuilder, Error> {
    let mut builder = ClientBuilder::from_env();
    if let Some(token) = options.token {
        builder = builder.token(token);
    }
    match (options.subdomain, options.base_url) {
        (Some(_), Some(_)) => {
            return Err(Error::Config("give subdomain or baseUrl, not both".into()));
        }
        (Some(subdomain), None) => builder = builder.subdomain(subdomain),
        (None, Some(base_url)) => builder = builder.base_url(base_url),
        (None, None) => {}
    }
    if let Some(ms) = options.timeout_ms {
        builder = builder.timeout(millis("timeoutMs", ms)?);
    }
    if let Some(ms) = options.connect_timeout_ms {
        builder = builder.connect_timeout(millis("connectTimeoutMs", ms)?);
    }
    if let Some(retries) = options.max_retries {
        if !(retries.fract() == 0.0 && (0.0..=f64::from(u32::MAX)).contains(&retries)) {
            return Err(Error::Config(format!(
                "maxRetries must be a whole number, 0 or more, got {retries}"
            )));
        }
        builder = builder.max_retries(retries as u32);
    }
    if let Some(yes) = options.retry_unknown_outcome {
        builder = builder.retry_unknown_outcome(yes);
    }
    if let Some(agent) = options.user_agent {
        builder = builder.user_agent(agent);
    }
    if let Some(path) = options.ca_file {
        builder = builder.ca_file(path);
    }
    Ok(builder)
}

/// The request JSON (from `JSON.stringify` in `lib/client.js`) into the
/// typed core request, every problem reported.
pub fn request(json: &str) -> Result<AddCustomerRequest, Error> {
    let value: serde_json::Value = serde_json::from_str(json).map_err(|e| {
        Error::Validation(vec![FieldError::new("", format!("not a JSON object: {e}"))])
    })?;
    AddCustomerRequest::from_json(&value)
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

    /// A bulk run on the core's engine.
    #[napi(catch_unwind)]
    pub fn bulk(
        &self,
        concurrency: u32,
        ordered: bool,
        rate: Option<f64>,
    ) -> napi::Result<NativeBulk> {
        if let Some(rate) = rate.filter(|r| !(r.is_finite() && *r > 0.0)) {
            return Err(to_napi(&Error::Config(format!(
                "rate must be a positive number of requests per second, got {rate}"
            ))));
        }
        if !(1..=1024).contains(&concurrency) {
            return Err(to_napi(&Error::Config(format!(
                "concurrency must be from 1 to 1024, got {concurrency}"
            ))));
        }
        Ok(NativeBulk::start(
            self.client.clone(),
            BulkOptions {
                concurrency: concurrency as usize,
                ordered,
                rate,
            },
        ))
    }
}
