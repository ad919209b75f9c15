//! A plain HTTP client for the sandbox's own tests: no SDK in between.

#![allow(dead_code)]

use kapture_crm_sandbox::{Faults, Sandbox, SandboxConfig};
use serde_json::Value;

pub const VENDOR_REQUEST: &str = include_str!("../../../tests/fixtures/vendor_request.json");

pub fn http() -> reqwest::Client {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    reqwest::Client::builder().no_proxy().build().unwrap()
}

pub async fn sandbox(faults: Faults) -> Sandbox {
    Sandbox::start(SandboxConfig {
        token: Some("sandbox-test-token".into()),
        faults,
        ..SandboxConfig::default()
    })
    .await
    .unwrap()
}

pub struct Reply {
    pub status: u16,
    pub retry_after: Option<String>,
    pub content_type: Option<String>,
    pub text: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("{e}: {}", self.text))
    }
}

/// POSTs `body` to add-update with `Authorization: <auth>`; Err when the
/// connection ended without a reply.
pub async fn post(
    sandbox: &Sandbox,
    auth: Option<&str>,
    body: &str,
) -> Result<Reply, reqwest::Error> {
    post_with(&http(), sandbox, auth, body).await
}

/// [`post`] on a given client (building one costs milliseconds: loops reuse one).
pub async fn post_with(
    client: &reqwest::Client,
    sandbox: &Sandbox,
    auth: Option<&str>,
    body: &str,
) -> Result<Reply, reqwest::Error> {
    let mut request = client.post(sandbox.endpoint()).body(body.to_string());
    if let Some(auth) = auth {
        request = request.header("Authorization", auth);
    }
    let response = request.send().await?;
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
    };
    let (retry_after, content_type) = (header("retry-after"), header("content-type"));
    let status = response.status().as_u16();
    let text = response.text().await?;
    Ok(Reply {
        status,
        retry_after,
        content_type,
        text,
    })
}

pub async fn add(sandbox: &Sandbox, body: &str) -> Result<Reply, reqwest::Error> {
    post(sandbox, Some(&format!("Basic {}", sandbox.token())), body).await
}

pub fn customer(name: &str, phone: &str) -> String {
    serde_json::json!({"customer_info": {"customer_name": name, "phone": phone}}).to_string()
}
