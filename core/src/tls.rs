//! TLS for each client, with nothing process-wide.
//!
//! Each client gets its own rustls configuration on the `aws-lc-rs` provider
//! (rustls's own default, with its post-quantum key exchange): the
//! crate never installs a process-wide default provider, so an application
//! that installs its own (`CryptoProvider::install_default`) before or after
//! building a client is unaffected, and whatever it installed does not
//! change this client. Certificates are checked by the operating system's
//! verifier (rustls-platform-verifier: the OS trust store, as browsers use
//! it), plus the CA certificates of `ca_file` when given (a TLS-inspecting
//! corporate proxy, a private test server).

use std::path::Path;
use std::sync::Arc;

use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

use crate::error::Error;

/// The rustls configuration of one client: aws-lc-rs, TLS 1.2 and 1.3, the
/// platform verifier with `ca_file`'s certificates as extra roots, ALPN for
/// HTTP/2 and HTTP/1.1.
pub(crate) fn client_config(ca_file: Option<&Path>) -> Result<rustls::ClientConfig, Error> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let extra = match ca_file {
        Some(path) => read_certificates(path)?,
        None => Vec::new(),
    };
    let verifier = if extra.is_empty() {
        rustls_platform_verifier::Verifier::new(provider.clone())
    } else {
        rustls_platform_verifier::Verifier::new_with_extra_roots(extra, provider.clone())
    }
    .map_err(|e| Error::Config(format!("cannot set up certificate checks: {e}")))?;
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Config(format!("cannot set up TLS: {e}")))?
        .dangerous() // a custom verifier: the platform's, which does verify
        .with_custom_certificate_verifier(Arc::new(verifier))
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

fn read_certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, Error> {
    let pem = std::fs::read(path)
        .map_err(|e| Error::Config(format!("ca_file {}: cannot read it: {e}", path.display())))?;
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&pem)
        .collect::<Result<_, _>>()
        .unwrap_or_default();
    if certs.is_empty() {
        return Err(Error::Config(format!(
            "ca_file {}: expected PEM certificates (-----BEGIN CERTIFICATE-----)",
            path.display()
        )));
    }
    Ok(certs)
}
