//! Which CRM an import writes to, as its journal records it: the endpoint
//! and, in username/password mode, the user. Never the token: keys expire
//! and are rotated, and a new key on the same endpoint is the same CRM (the
//! journal keeps a 32-bit check of the key only to say that it changed).

use crate::config::Config;
use serde_json::{Value, json};

use crate::rows::file::fnv;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Destination {
    /// The full add-update URL the client posts to.
    pub endpoint: String,
    pub username: Option<String>,
}

impl Destination {
    pub fn of(config: &Config) -> Destination {
        Destination {
            endpoint: config.endpoint.to_string(),
            username: config.username.clone(),
        }
    }

    /// As a journal's header holds it.
    pub fn to_json(&self) -> Value {
        json!({"endpoint": self.endpoint, "username": self.username})
    }

    pub fn from_json(value: &Value) -> Option<Destination> {
        Some(Destination {
            endpoint: value.get("endpoint")?.as_str()?.to_string(),
            username: value
                .get("username")
                .and_then(Value::as_str)
                .map(str::to_string),
        })
    }

    /// For people: `https://acme.kapturecrm.com` (as user `ops`).
    pub fn describe(&self) -> String {
        let origin = url_origin(&self.endpoint);
        match &self.username {
            Some(user) => format!("{origin} (as user {user})"),
            None => origin,
        }
    }

    /// The part of a journal's file name that names this CRM:
    /// `acme.kapturecrm.com`, `127.0.0.1-8080`, `ops@acme.kapturecrm.com`.
    /// What a file name cannot hold, or a base URL's own path, adds a hash
    /// of the whole, so two CRMs never share a name.
    pub fn file_part(&self) -> String {
        let origin = url_origin(&self.endpoint);
        let host = origin
            .split_once("://")
            .map_or(origin.as_str(), |(_, rest)| rest)
            .replace(':', "-");
        let readable = match &self.username {
            Some(user) => format!("{user}@{host}"),
            None => host,
        };
        let safe: String = readable
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '@') {
                    c
                } else {
                    '_'
                }
            })
            .take(80)
            .collect();
        let default_path = self
            .endpoint
            .ends_with(&format!("{origin}{}", crate::config::ADD_CUSTOMER_PATH));
        if safe == readable && default_path && !safe.starts_with('.') {
            safe
        } else {
            let whole = format!(
                "{}\u{1f}{}",
                self.endpoint,
                self.username.as_deref().unwrap_or("")
            );
            format!("{safe}-{:08x}", fnv(&[whole.as_bytes()]) as u32)
        }
    }
}

/// `scheme://host[:port]` of a URL string.
fn url_origin(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let host = rest.split('/').next().unwrap_or(rest);
    format!("{scheme}://{host}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(endpoint: &str, username: Option<&str>) -> Destination {
        Destination {
            endpoint: endpoint.into(),
            username: username.map(Into::into),
        }
    }

    #[test]
    fn file_names_say_which_crm_and_never_collide() {
        let path = crate::config::ADD_CUSTOMER_PATH;
        let acme = at(&format!("https://acme.kapturecrm.com{path}"), None);
        assert_eq!(acme.file_part(), "acme.kapturecrm.com");
        let local = at(&format!("http://127.0.0.1:8080{path}"), None);
        assert_eq!(local.file_part(), "127.0.0.1-8080");
        let user = at(
            &format!("https://acme.kapturecrm.com{path}"),
            Some("ops@corp.in"),
        );
        assert_eq!(user.file_part(), "ops@corp.in@acme.kapturecrm.com");
        // A base URL with a path of its own, or a name a file cannot hold.
        let prefixed = at(&format!("http://127.0.0.1:8080/eu{path}"), None);
        assert!(prefixed.file_part().starts_with("127.0.0.1-8080-"));
        assert_ne!(prefixed.file_part(), local.file_part());
        let odd = at(&format!("https://acme.kapturecrm.com{path}"), Some("a/b"));
        let odd2 = at(&format!("https://acme.kapturecrm.com{path}"), Some("a_b"));
        assert_ne!(odd.file_part(), odd2.file_part());
        assert!(!odd.file_part().contains('/'));
        assert_eq!(acme.describe(), "https://acme.kapturecrm.com");
        assert_eq!(Destination::from_json(&user.to_json()), Some(user));
    }
}
