//! `NativeSandbox`: the project's sandbox in this process, on a runtime of
//! its own, behind `lib/sandbox.js`.

use std::sync::Mutex;

use kapture_crm::Error;
use kapture_crm_sandbox::{Faults, Sandbox, SandboxConfig};
use napi_derive::napi;

use crate::error::to_napi;

#[napi(object)]
pub struct SandboxOptions {
    /// A spec (`rate_limit=0.1,seed=7`) or a JSON object text.
    pub faults: Option<String>,
    pub token: Option<String>,
    pub port: Option<u32>,
    /// False turns off the same-phone-or-email merge rule (ours, not the vendor's).
    pub merge: Option<bool>,
    /// `merge`, `separate` or `refuse` (see `kapture_crm_sandbox::Duplicates`).
    pub duplicates: Option<String>,
}

fn faults(text: &str) -> Result<Faults, Error> {
    Faults::from_text(text).map_err(Error::Config)
}

#[napi]
pub struct NativeSandbox {
    inner: Mutex<Option<Sandbox>>,
    url: String,
    token: String,
}

impl NativeSandbox {
    fn with<T>(&self, f: impl FnOnce(&Sandbox) -> T) -> napi::Result<T> {
        let inner = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        inner
            .as_ref()
            .map(f)
            .ok_or_else(|| to_napi(&Error::Config("the sandbox is stopped".into())))
    }

    fn json<T: serde::Serialize>(value: T) -> napi::Result<String> {
        serde_json::to_string(&value).map_err(|e| crate::error::internal(&e.to_string()))
    }
}

#[napi]
impl NativeSandbox {
    #[napi(constructor, catch_unwind)]
    pub fn new(options: Option<SandboxOptions>) -> napi::Result<Self> {
        let (faults_text, token, port, merge, duplicates) = options
            .map(|o| (o.faults, o.token, o.port, o.merge, o.duplicates))
            .unwrap_or_default();
        let duplicates = duplicates
            .map(|text| text.parse::<kapture_crm_sandbox::Duplicates>())
            .transpose()
            .map_err(|e| to_napi(&Error::Config(format!("duplicates: {e}"))))?
            .unwrap_or_default();
        let port = u16::try_from(port.unwrap_or(0))
            .map_err(|_| to_napi(&Error::Config("port must be 0 to 65535".into())))?;
        let faults = match faults_text {
            Some(text) => faults(&text).map_err(|e| to_napi(&e))?,
            None => Faults::default(),
        };
        let sandbox = Sandbox::start_background(SandboxConfig {
            port,
            token,
            faults,
            no_merge: merge == Some(false),
            duplicates,
            ..SandboxConfig::default()
        })
        .map_err(|e| to_napi(&Error::Config(format!("cannot start the sandbox: {e}"))))?;
        Ok(Self {
            url: sandbox.url().to_string(),
            token: sandbox.token().to_string(),
            inner: Mutex::new(Some(sandbox)),
        })
    }

    #[napi(getter)]
    pub fn url(&self) -> String {
        self.url.clone()
    }

    #[napi(getter)]
    pub fn token(&self) -> String {
        self.token.clone()
    }

    /// `export KAPTURE_BASE_URL=... KAPTURE_TOKEN=...`, as `kapture sandbox`
    /// prints it first.
    #[napi(getter)]
    pub fn export_line(&self) -> napi::Result<String> {
        self.with(Sandbox::export_line)
    }

    /// Stored customers as JSON text.
    #[napi(catch_unwind)]
    pub fn customers(&self) -> napi::Result<String> {
        Self::json(self.with(Sandbox::customers)?)
    }

    #[napi(catch_unwind)]
    pub fn stats(&self) -> napi::Result<String> {
        Self::json(self.with(Sandbox::stats)?)
    }

    #[napi(catch_unwind)]
    pub fn faults(&self) -> napi::Result<String> {
        Self::json(self.with(Sandbox::faults)?)
    }

    #[napi(catch_unwind)]
    pub fn set_faults(&self, faults_text: String) -> napi::Result<()> {
        let faults = faults(&faults_text).map_err(|e| to_napi(&e))?;
        self.with(|s| s.set_faults(faults))?
            .map_err(|e| to_napi(&Error::Config(format!("faults: {e}"))))
    }

    #[napi(catch_unwind)]
    pub fn clear(&self) -> napi::Result<()> {
        self.with(Sandbox::clear)
    }

    /// Stops serving; idempotent.
    #[napi(catch_unwind)]
    pub fn stop(&self) {
        let taken = self.inner.lock().ok().and_then(|mut s| s.take());
        drop(taken);
    }
}
