//! Settings read from the environment. One test in its own binary: it sets
//! process-wide variables, which no other test may race with.

mod support;

use kapture_crm::{Client, Error, blocking};
use support::{Scripted, Step, vendor_request};

fn set(name: &str, value: Option<&str>) {
    // SAFETY: this binary holds a single test, so no other thread reads the
    // environment while it changes.
    unsafe {
        match value {
            Some(v) => std::env::set_var(name, v),
            None => std::env::remove_var(name),
        }
    }
}

#[test]
fn environment_variables() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(Scripted::start(vec![Step::success()]));
    // A proxy that must never see a loopback request (nor its token).
    let proxy = runtime.block_on(Scripted::start(vec![Step::raw(502, "text/plain", "proxy")]));

    for name in ["KAPTURE_TOKEN", "KAPTURE_SUBDOMAIN", "KAPTURE_BASE_URL"] {
        set(name, None);
    }
    let err = Client::from_env().unwrap_err();
    assert!(
        matches!(&err, Error::Config(m) if m.contains("KAPTURE_TOKEN")),
        "{err}"
    );

    set("KAPTURE_TOKEN", Some("env-token-93a1"));
    let err = Client::from_env().unwrap_err();
    assert!(
        matches!(&err, Error::Config(m) if m.contains("KAPTURE_SUBDOMAIN") && m.contains("KAPTURE_BASE_URL")),
        "{err}"
    );

    set("KAPTURE_SUBDOMAIN", Some("acme"));
    let client = Client::from_env().unwrap();
    assert_eq!(
        client.config().endpoint.as_str(),
        "https://acme.kapturecrm.com/ms/customer/customer/api/v1/add-update"
    );

    set("KAPTURE_BASE_URL", Some(&server.base_url()));
    let err = Client::from_env().unwrap_err();
    assert!(
        matches!(&err, Error::Config(m) if m.contains("both")),
        "{err}"
    );
    // An explicit target overrides the environment's.
    let client = kapture_crm::ClientBuilder::from_env()
        .base_url(server.base_url())
        .build()
        .unwrap();
    assert!(
        client
            .config()
            .endpoint
            .as_str()
            .starts_with(&server.base_url())
    );

    set("KAPTURE_SUBDOMAIN", Some(""));
    let proxy_url = proxy.base_url();
    for name in ["HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "ALL_PROXY"] {
        set(name, Some(&proxy_url));
    }
    set("NO_PROXY", None);
    set("no_proxy", None);
    let client = blocking::Client::from_env().unwrap();
    let reply = client.add_customer_json(&vendor_request()).unwrap();
    assert_eq!(reply.customer_id(), Some(191690263));
    assert_eq!(
        server.requests()[0].header("authorization"),
        Some("Basic env-token-93a1")
    );
    assert_eq!(
        proxy.count(),
        0,
        "a loopback request went through the proxy"
    );
}
