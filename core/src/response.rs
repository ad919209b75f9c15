//! The parsed reply, and the decision of what a raw HTTP reply means.
//!
//! Success is decided by the body as well as the status: the vendor answers
//! some failures with a JSON body whose `status` is `"failed"`, and older
//! endpoints spell the keys `Status` and `Message`.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::Error;

/// Largest reply accepted; anything larger is refused unread.
pub const MAX_REPLY_BYTES: usize = 1 << 20;
/// How much of a reply body an error keeps.
pub const MAX_ERROR_BODY: usize = 4096;
/// How much of a non-JSON body an error message quotes.
const MESSAGE_PREVIEW: usize = 200;

/// A successful reply, with every field the server sent.
///
/// ```json
/// {"status": "success", "message": "Customer Added successfully !...",
///  "customer": {"result": true, "customer_id": 191690263, "contact_id": 210004093, ...}}
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AddCustomerResponse {
    body: Map<String, Value>,
}

impl AddCustomerResponse {
    /// `"success"` (as the server spelled it).
    pub fn status(&self) -> Option<&str> {
        field(&self.body, "status").and_then(Value::as_str)
    }

    /// The vendor's human-readable message.
    pub fn message(&self) -> Option<&str> {
        field(&self.body, "message").and_then(Value::as_str)
    }

    /// The `customer` object of the reply.
    pub fn customer(&self) -> Option<&Map<String, Value>> {
        field(&self.body, "customer").and_then(Value::as_object)
    }

    /// The id of the created or updated customer (a number or digits).
    pub fn customer_id(&self) -> Option<i64> {
        self.customer().and_then(|c| id(c.get("customer_id")?))
    }

    /// The id of the first contact created with the customer.
    pub fn contact_id(&self) -> Option<i64> {
        self.customer().and_then(|c| id(c.get("contact_id")?))
    }

    /// The whole reply as the server sent it.
    pub fn as_json(&self) -> &Map<String, Value> {
        &self.body
    }

    pub fn into_json(self) -> Map<String, Value> {
        self.body
    }
}

fn id(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A key looked up the way the vendor spells it, in any case.
fn field<'a>(body: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    body.get(key).or_else(|| {
        body.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

/// What came back over the wire, before it is judged.
pub(crate) struct RawReply {
    pub status: u16,
    pub retry_after: Option<Duration>,
    pub body: Vec<u8>,
}

/// Turns a raw reply into the parsed reply or the error it stands for.
/// `secret` is scrubbed from every body and message kept in an error.
pub(crate) fn interpret(reply: &RawReply, secret: &str) -> Result<AddCustomerResponse, Error> {
    let status = reply.status;
    let text = String::from_utf8_lossy(&reply.body);
    let json = serde_json::from_slice::<Value>(&reply.body).ok();
    let object = json.as_ref().and_then(Value::as_object);
    let body = scrub(&cut(&text, MAX_ERROR_BODY), secret);
    let vendor_message = object
        .and_then(|o| ["message", "error", "msg"].iter().find_map(|k| field(o, k)))
        .and_then(Value::as_str)
        .map(|m| scrub(m, secret));
    let message = || {
        vendor_message.clone().unwrap_or_else(|| {
            if text.trim().is_empty() {
                "(empty body)".to_string()
            } else {
                scrub(&cut(text.trim(), MESSAGE_PREVIEW), secret)
            }
        })
    };

    match status {
        429 => {
            return Err(Error::RateLimited {
                retry_after: reply.retry_after,
                message: message(),
                body,
            });
        }
        401 | 403 => {
            return Err(Error::Authentication {
                status,
                message: message(),
                body,
            });
        }
        500..=599 => {
            return Err(Error::Server {
                status,
                message: message(),
                body,
                // 503 says "not processed"; the others may follow a write.
                outcome_unknown: status != 503,
            });
        }
        _ => {}
    }

    let Some(object) = object else {
        if (400..500).contains(&status) {
            return Err(Error::Api {
                status,
                message: message(),
                body,
            });
        }
        let what = if json.is_some() {
            "a JSON reply that is not an object"
        } else {
            "a JSON reply, got"
        };
        return Err(Error::UnexpectedResponse {
            status,
            message: format!("expected {what}: {}", message()),
            body,
        });
    };

    let body_status = field(object, "status").and_then(Value::as_str);
    let succeeded = body_status.is_some_and(|s| s.eq_ignore_ascii_case("success"));
    if (200..300).contains(&status) && succeeded {
        return Ok(AddCustomerResponse {
            body: object.clone(),
        });
    }
    let is_auth_message = vendor_message.as_deref().is_some_and(|m| {
        let m = m.to_ascii_lowercase();
        m.contains("auth key") || m.contains("authentication") || m.contains("unauthori")
    });
    if is_auth_message {
        return Err(Error::Authentication {
            status,
            message: message(),
            body,
        });
    }
    if body_status.is_some() || (400..500).contains(&status) {
        return Err(Error::Api {
            status,
            message: message(),
            body,
        });
    }
    Err(Error::UnexpectedResponse {
        status,
        message: format!("expected a reply with a \"status\" field: {}", message()),
        body,
    })
}

/// Parses `Retry-After`: delay-seconds or an HTTP date.
pub(crate) fn parse_retry_after(value: &str) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    if let Ok(seconds) = value.parse::<f64>() {
        return (seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(
        when.duration_since(std::time::SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// `text` cut to at most `max` bytes on a character boundary, saying so.
pub(crate) fn cut(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_string();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}... ({} bytes in all)", &text[..end], text.len())
}

/// Removes the token from text that is about to be kept in an error.
pub(crate) fn scrub(text: &str, secret: &str) -> String {
    if secret.len() < 4 {
        return text.to_string();
    }
    text.replace(secret, "[REDACTED]")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(status: u16, body: &str) -> RawReply {
        RawReply {
            status,
            retry_after: None,
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn success_keeps_every_field() {
        let body = r#"{"status":"success","customer":{"result":true,"customer_id":191690263,
            "action":"CUSTOMER","action_event":"ADD_CUSTOMER","contact_id":210004093},
            "message":"Customer Added successfully !","extra":[1,2]}"#;
        let ok = interpret(&reply(200, body), "tok-123").unwrap();
        assert_eq!(ok.customer_id(), Some(191690263));
        assert_eq!(ok.contact_id(), Some(210004093));
        assert_eq!(ok.as_json()["extra"], serde_json::json!([1, 2]));
        assert_eq!(
            serde_json::to_value(&ok).unwrap(),
            serde_json::from_str::<Value>(body).unwrap()
        );
    }

    #[test]
    fn capitalised_keys_of_older_endpoints() {
        let ok = interpret(&reply(200, r#"{"Status":"Success","Message":"ok"}"#), "x").unwrap();
        assert_eq!(ok.message(), Some("ok"));
        let err = interpret(&reply(200, r#"{"Status":"failed","Message":"Bad"}"#), "x");
        assert!(matches!(err, Err(Error::Api { status: 200, message, .. }) if message == "Bad"));
    }

    #[test]
    fn auth_message_in_a_200() {
        let err = interpret(
            &reply(200, r#"{"message": "Invalid Auth Key","status": "failed"}"#),
            "x",
        );
        assert!(matches!(
            err,
            Err(Error::Authentication { status: 200, .. })
        ));
    }

    #[test]
    fn token_scrubbed_and_body_cut() {
        let long = format!(
            r#"{{"status":"failed","message":"bad secret-token-1","pad":"{}"}}"#,
            "x".repeat(10_000)
        );
        let err = interpret(&reply(400, &long), "secret-token-1").unwrap_err();
        let Error::Api { message, body, .. } = &err else {
            panic!("{err:?}")
        };
        assert_eq!(message, "bad [REDACTED]");
        assert!(body.len() < MAX_ERROR_BODY + 100, "{}", body.len());
        assert!(!format!("{err} {err:?}").contains("secret-token-1"));
    }

    #[test]
    fn retry_after_forms() {
        assert_eq!(parse_retry_after("3"), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after("0.5"), Some(Duration::from_millis(500)));
        let later = std::time::SystemTime::now() + Duration::from_secs(30);
        let parsed = parse_retry_after(&httpdate::fmt_http_date(later)).unwrap();
        assert!(parsed > Duration::from_secs(28) && parsed <= Duration::from_secs(30));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
    }
}
