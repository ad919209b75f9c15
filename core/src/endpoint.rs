//! Where requests go: the endpoint path, and the rules for a subdomain or a
//! base URL (https only, plain http only to loopback, no credentials).

use std::net::IpAddr;

use reqwest::Url;

use crate::error::Error;

/// Path of the Add Customer endpoint, appended to the base URL.
pub const ADD_CUSTOMER_PATH: &str = "/ms/customer/customer/api/v1/add-update";

/// Get Customer's URL for an add URL: the same base (its path prefix kept),
/// then [`crate::lookup::LOOKUP_PATH`].
pub(crate) fn lookup_url(endpoint: &Url) -> Url {
    let mut url = endpoint.clone();
    let base = endpoint
        .path()
        .strip_suffix(ADD_CUSTOMER_PATH)
        .unwrap_or_default()
        .trim_end_matches('/')
        .to_string();
    url.set_path(&format!("{base}{}", crate::lookup::LOOKUP_PATH));
    url
}

pub(crate) fn subdomain_url(subdomain: &str) -> Result<Url, Error> {
    let label = subdomain.trim();
    let valid = (1..=63).contains(&label.len())
        && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !label.starts_with('-')
        && !label.ends_with('-');
    if !valid {
        return Err(Error::Config(format!(
            "subdomain must be one DNS label such as \"acme\" (letters, digits and dashes, \
             at most 63, no dots, slashes or other characters), got {:?}; for a full URL use \
             base_url",
            crate::server_text::cut(subdomain, 80)
        )));
    }
    let url = format!(
        "https://{}.kapturecrm.com{ADD_CUSTOMER_PATH}",
        label.to_ascii_lowercase()
    );
    Url::parse(&url).map_err(|e| Error::Config(format!("subdomain: {e}")))
}

pub(crate) fn base_url(raw: &str) -> Result<Url, Error> {
    let mut url = Url::parse(raw.trim()).map_err(|e| {
        Error::Config(format!(
            "base_url is not a URL ({e}); expected scheme and host, like https://acme.kapturecrm.com"
        ))
    })?;
    if !url.username().is_empty() || url.password().is_some() {
        // Not quoted: the credentials are in it.
        return Err(Error::Config(
            "base_url must not contain credentials (user:password@); pass the token as token"
                .into(),
        ));
    }
    let shown = crate::server_text::cut(raw.trim(), 120);
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Error::Config(format!(
            "base_url must start with https:// (or http:// for a loopback host), got {shown:?}"
        )));
    }
    if url.host().is_none() {
        return Err(Error::Config(format!("base_url has no host: {shown:?}")));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::Config(format!(
            "base_url must not have a query or fragment (?, #), got {shown:?}"
        )));
    }
    if url.scheme() == "http" && !is_loopback(&url) {
        return Err(Error::Config(format!(
            "plain http:// is allowed only to loopback hosts (localhost, 127.0.0.0/8, [::1]) so \
             the token never travels in clear text; use https://, got {shown:?}"
        )));
    }
    // Accept the full endpoint URL as well as a base.
    let prefix = url.path().trim_end_matches('/').to_string();
    if !prefix.ends_with(ADD_CUSTOMER_PATH) {
        url.set_path(&format!("{prefix}{ADD_CUSTOMER_PATH}"));
    }
    Ok(url)
}

/// True for `localhost`, 127.0.0.0/8 and `[::1]`.
pub(crate) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lookup_url_keeps_the_base_urls_path() {
        let at = |add: &str| lookup_url(&Url::parse(add).unwrap()).to_string();
        assert_eq!(
            at(&format!("https://acme.kapturecrm.com{ADD_CUSTOMER_PATH}")),
            "https://acme.kapturecrm.com/search-customer-by-customer-id.html"
        );
        assert_eq!(
            at(&format!(
                "https://proxy.example.com/kapture{ADD_CUSTOMER_PATH}"
            )),
            "https://proxy.example.com/kapture/search-customer-by-customer-id.html"
        );
    }
}
