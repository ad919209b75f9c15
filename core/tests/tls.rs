//! TLS per client: the OS verifier plus `ca_file`'s roots, against a real
//! HTTPS server on 127.0.0.1 whose certificate a CA made here signs; and no
//! process-wide rustls provider installed by the crate (its own test
//! binary, so the process-wide state is this file's alone).

mod support;

use kapture_crm::{AddCustomerRequest, Client, Error};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const REPLY: &str = r#"{"status":"success","message":"Customer Added successfully !","customer":{"customer_id":7}}"#;

/// A CA (its PEM) and an HTTPS server for `localhost` signed by it, that
/// answers every request with a success reply; returns its port.
async fn https_server() -> (String, u16) {
    support::certificates::serve(&[], |mut tls| async move {
                let mut request = Vec::new();
                let mut buf = [0u8; 4096];
                // Headers, then the body by its Content-Length.
                loop {
                    let Ok(n) = tls.read(&mut buf).await else {
                        return;
                    };
                    if n == 0 {
                        return;
                    }
                    request.extend_from_slice(&buf[..n]);
                    let text = String::from_utf8_lossy(&request);
                    if let Some(end) = text.find("\r\n\r\n") {
                        let length = text[..end]
                            .lines()
                            .find_map(|l| {
                                l.to_ascii_lowercase()
                                    .strip_prefix("content-length:")
                                    .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                            })
                            .unwrap_or(0);
                        if request.len() >= end + 4 + length {
                            break;
                        }
                    }
                }
                let response = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{REPLY}",
                    REPLY.len()
                );
                let _ = tls.write_all(response.as_bytes()).await;
                let _ = tls.shutdown().await;
    })
    .await
}

#[tokio::test]
async fn ca_file_roots_are_trusted_per_client_and_no_process_provider_is_installed() {
    let (ca_pem, port) = https_server().await;
    let dir = std::env::temp_dir().join(format!("kapture-tls-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ca_file = dir.join("ca.pem");
    std::fs::write(&ca_file, ca_pem).unwrap();
    let request = AddCustomerRequest::with_phone("Asha", "9845012345");
    let url = format!("https://localhost:{port}");

    // Trusted through ca_file (on top of the OS trust store).
    let trusted = Client::builder()
        .token("t0k3n")
        .base_url(&url)
        .ca_file(&ca_file)
        .build()
        .unwrap();
    let reply = trusted.add_customer(&request).await.unwrap();
    assert_eq!(reply.customer_id(), Some(7));

    // Without it the OS trust store does not know the CA: refused at the
    // handshake, before anything was sent.
    let untrusted = Client::builder()
        .token("t0k3n")
        .base_url(&url)
        .max_retries(0)
        .build()
        .unwrap();
    let err = untrusted.add_customer(&request).await.unwrap_err();
    assert!(
        matches!(err, Error::Connection { .. }) && !err.outcome_unknown(),
        "{err:?}"
    );

    // Nothing process-wide was installed: the application's own install
    // succeeds (it panicked when the crate installed ring for everyone),
    // and the clients keep working after it.
    assert!(
        rustls::crypto::CryptoProvider::get_default().is_none(),
        "the crate installed a process-wide provider"
    );
    rustls::crypto::aws_lc_rs::default_provider()
        .install_default()
        .unwrap();
    assert_eq!(
        trusted.add_customer(&request).await.unwrap().customer_id(),
        Some(7)
    );
    let _ = std::fs::remove_dir_all(dir);
}
