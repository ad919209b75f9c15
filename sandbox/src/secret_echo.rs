//! The `echo_secrets` fault: a server (or a proxy's or WAF's page) that
//! quotes the credentials it received back in its error, in every encoding
//! such text is met in. Tests of the SDK's scrubber in every language use
//! it: whatever a client holds must not reach any output.
//!
//! Echoed: the `Authorization` token, and when it decodes as
//! `base64(user:password)` also `user:password` and the password; and the
//! value of every `x-` header. Each as written, JSON-escaped, JSON-escaped
//! twice, URL-encoded, as HTML entities (decimal, hex, named), cut three
//! characters short, and as a run of 12 of its characters.

use http::HeaderMap;
use serde_json::json;

/// Every way a secret is written back (see the module's comment).
pub fn encodings(secret: &str) -> Vec<(&'static str, String)> {
    let each = |f: &dyn Fn(char) -> String| -> String {
        secret
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() {
                    c.to_string()
                } else {
                    f(c)
                }
            })
            .collect()
    };
    let chars: Vec<char> = secret.chars().collect();
    let start = (chars.len() / 2).saturating_sub(6);
    let run: String = chars[start..].iter().take(12).collect();
    let cut: String = chars[..chars.len().saturating_sub(3)].iter().collect();
    vec![
        ("raw", secret.to_string()),
        (
            "json",
            each(&|c| match c {
                '/' => "\\/".into(),
                c => format!("\\u{:04X}", u32::from(c)),
            }),
        ),
        (
            "json twice",
            each(&|c| match c {
                '/' => "\\\\/".into(),
                c => format!("\\\\u{:04x}", u32::from(c)),
            }),
        ),
        ("url", each(&|c| format!("%{:02X}", u32::from(c)))),
        ("html decimal", each(&|c| format!("&#{};", u32::from(c)))),
        ("html hex", each(&|c| format!("&#x{:X};", u32::from(c)))),
        (
            "html named",
            each(&|c| match c {
                '/' => "&sol;".into(),
                '=' => "&equals;".into(),
                '+' => "&plus;".into(),
                ':' => "&colon;".into(),
                c => c.to_string(),
            }),
        ),
        ("cut short", cut),
        ("a run of 12", run),
    ]
}

/// The secrets in a request's headers.
pub fn secrets_in(headers: &HeaderMap) -> Vec<String> {
    let mut found = Vec::new();
    if let Some(token) = headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    {
        let token = token.strip_prefix("Basic ").unwrap_or(token).trim();
        found.push(token.to_string());
        if let Some(pair) = base64_decode(token).and_then(|b| String::from_utf8(b).ok())
            && let Some((_, password)) = pair.split_once(':')
        {
            found.push(password.to_string());
            found.push(pair.clone());
        }
    }
    for (name, value) in headers {
        if name.as_str().starts_with("x-")
            && let Ok(value) = value.to_str()
        {
            found.push(value.to_string());
        }
    }
    found
}

/// A 400 reply's body quoting `secrets` in every encoding: the vendor's
/// `message` (what a client shows) and an `echo` list (the rest of a body).
pub fn body(secrets: &[String]) -> serde_json::Value {
    let mut quoted = Vec::new();
    for secret in secrets {
        for (name, written) in encodings(secret) {
            quoted.push(format!("{name}: {written}"));
        }
    }
    json!({
        "status": "failed",
        "message": format!("Rejected credentials {}", quoted.join(" | ")),
        "echo": quoted,
    })
}

fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let value = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let bytes = text.trim_end_matches('=').as_bytes();
    let mut out = Vec::new();
    for chunk in bytes.chunks(4) {
        let mut n = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            n |= value(*c)? << (18 - 6 * i);
        }
        let take = match chunk.len() {
            4 => 3,
            3 => 2,
            2 => 1,
            _ => return None,
        };
        out.extend_from_slice(&n.to_be_bytes()[1..1 + take]);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_tokens_decode_to_user_and_password() {
        assert_eq!(
            base64_decode("b3BzOnBhc3Mtd29yZC0x").as_deref(),
            Some(&b"ops:pass-word-1"[..])
        );
        let mut headers = HeaderMap::new();
        headers.insert(
            "authorization",
            "Basic b3BzOnBhc3Mtd29yZC0x".parse().unwrap(),
        );
        headers.insert("x-api-key", "key-value-1".parse().unwrap());
        assert_eq!(
            secrets_in(&headers),
            [
                "b3BzOnBhc3Mtd29yZC0x",
                "pass-word-1",
                "ops:pass-word-1",
                "key-value-1"
            ]
        );
    }
}
