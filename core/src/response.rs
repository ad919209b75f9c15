//! The parsed reply, and the decision of what a raw HTTP reply means.
//!
//! Success is decided by the body as well as the status: the vendor answers
//! some failures with a JSON body whose `status` is `"failed"`, and older
//! endpoints spell the keys `Status` and `Message`.

use std::fmt;
use std::sync::OnceLock;
use std::time::Duration;

use crate::secrets::Secrets;
use crate::server_text::clean;
use crate::text::field;
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
///
/// It keeps the reply's text as the server sent it ([`json_text`]) and
/// parses it into a JSON object only when a field other than the status is
/// first asked for: the bindings give the text to their own JSON parsers.
///
/// [`json_text`]: AddCustomerResponse::json_text
#[derive(Clone)]
pub struct AddCustomerResponse {
    /// A JSON object, checked (the fast path of [`interpret`]) or written
    /// from one.
    text: String,
    /// The `status` field as the server spelled it, when a string.
    status: Option<String>,
    parsed: OnceLock<Map<String, Value>>,
}

impl AddCustomerResponse {
    /// A reply from text already checked to be a JSON object that
    /// `serde_json` parses, and its status.
    fn from_checked_text(text: String, status: Option<String>) -> Self {
        Self {
            text,
            status,
            parsed: OnceLock::new(),
        }
    }

    /// A reply from a parsed object.
    pub fn from_json(body: Map<String, Value>) -> Self {
        // Writing a map of JSON values into a String cannot fail.
        let text = serde_json::to_string(&body).unwrap_or_default();
        let status = field(&body, "status")
            .and_then(Value::as_str)
            .map(str::to_string);
        Self {
            text,
            status,
            parsed: OnceLock::from(body),
        }
    }

    /// `"success"` (as the server spelled it).
    pub fn status(&self) -> Option<&str> {
        self.status.as_deref()
    }

    /// The vendor's human-readable message.
    pub fn message(&self) -> Option<&str> {
        field(self.as_json(), "message").and_then(Value::as_str)
    }

    /// The `customer` object of the reply.
    pub fn customer(&self) -> Option<&Map<String, Value>> {
        field(self.as_json(), "customer").and_then(Value::as_object)
    }

    /// The id of the created or updated customer (a number or digits).
    pub fn customer_id(&self) -> Option<i64> {
        self.customer().and_then(|c| id(c.get("customer_id")?))
    }

    /// The id of the first contact created with the customer.
    pub fn contact_id(&self) -> Option<i64> {
        self.customer().and_then(|c| id(c.get("contact_id")?))
    }

    /// The whole reply as the server sent it, parsed on first use.
    pub fn as_json(&self) -> &Map<String, Value> {
        self.parsed.get_or_init(|| parse(&self.text))
    }

    pub fn into_json(self) -> Map<String, Value> {
        self.parsed
            .into_inner()
            .unwrap_or_else(|| parse(&self.text))
    }

    /// The reply's JSON text as the server sent it (a JSON object; written
    /// from the object for a reply made by [`from_json`](Self::from_json)).
    pub fn json_text(&self) -> &str {
        &self.text
    }

    /// [`json_text`](Self::json_text), owned.
    pub fn into_json_text(self) -> String {
        self.text
    }
}

/// A reply's text as its object. The text was checked to parse as one
/// (`status_peek` is as strict as this parse), or was written from one.
fn parse(text: &str) -> Map<String, Value> {
    serde_json::from_str(text).unwrap_or_default()
}

impl fmt::Debug for AddCustomerResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AddCustomerResponse")
            .field("body", self.as_json())
            .finish()
    }
}

impl PartialEq for AddCustomerResponse {
    fn eq(&self, other: &Self) -> bool {
        self.as_json() == other.as_json()
    }
}

/// As the JSON object it is.
impl Serialize for AddCustomerResponse {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.as_json().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for AddCustomerResponse {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Map::deserialize(deserializer).map(Self::from_json)
    }
}

fn id(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// What came back over the wire, before it is judged.
pub(crate) struct RawReply {
    pub status: u16,
    pub retry_after: Option<Duration>,
    pub body: Vec<u8>,
}

/// Turns a raw reply into the parsed reply or the error it stands for.
/// `secret` (every secret the client holds) is scrubbed from every body
/// and message kept in an error.
pub(crate) fn interpret(reply: &RawReply, secret: &Secrets) -> Result<AddCustomerResponse, Error> {
    let status = reply.status;
    // The common case first: a 2xx saying success is the reply, its text
    // kept as it came (checked, not parsed into a tree: `status_peek`).
    if (200..300).contains(&status)
        && let Some(Some(said)) = crate::fast::status_peek::status_of(&reply.body)
        && said.eq_ignore_ascii_case("success")
        && let Ok(text) = String::from_utf8(reply.body.clone())
    {
        return Ok(AddCustomerResponse::from_checked_text(text, Some(said)));
    }
    let json = serde_json::from_slice::<Value>(&reply.body).ok();
    let text = String::from_utf8_lossy(&reply.body);
    let object = json.as_ref().and_then(Value::as_object);
    // Only an error keeps the body (and pays for cleaning it).
    let body = || clean(&text, secret, MAX_ERROR_BODY, true);
    let vendor_message = object
        .and_then(|o| ["message", "error", "msg"].iter().find_map(|k| field(o, k)))
        .and_then(Value::as_str)
        .map(|m| clean(m, secret, MAX_ERROR_BODY, false));
    let message = || {
        vendor_message.clone().unwrap_or_else(|| {
            if text.trim().is_empty() {
                "(empty body)".to_string()
            } else {
                clean(text.trim(), secret, MESSAGE_PREVIEW, false)
            }
        })
    };

    match status {
        429 => {
            return Err(Error::RateLimited {
                retry_after: reply.retry_after,
                message: message(),
                body: body(),
            });
        }
        401 | 403 => {
            return Err(Error::Authentication {
                status,
                message: message(),
                body: body(),
            });
        }
        300..=399 => {
            // A redirect after a POST (303 See Other: processed, look
            // elsewhere) is never followed with the token, and never taken
            // as a refusal: whatever its body says, the request may have
            // been processed.
            return Err(Error::UnexpectedResponse {
                status,
                message: format!(
                    "a redirect (HTTP {status}), not the API's reply: {}",
                    message()
                ),
                body: body(),
            });
        }
        500..=599 => {
            return Err(Error::Server {
                status,
                message: message(),
                body: body(),
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
                body: body(),
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
            body: body(),
        });
    };

    let body_status = field(object, "status").and_then(Value::as_str);
    let succeeded = body_status.is_some_and(|s| s.eq_ignore_ascii_case("success"));
    if (200..300).contains(&status) && succeeded {
        return Ok(AddCustomerResponse::from_json(object.clone()));
    }
    if vendor_message.as_deref().is_some_and(refuses_the_key) {
        return Err(Error::Authentication {
            status,
            message: message(),
            body: body(),
        });
    }
    if body_status.is_some() || (400..500).contains(&status) {
        return Err(Error::Api {
            status,
            message: message(),
            body: body(),
        });
    }
    Err(Error::UnexpectedResponse {
        status,
        message: format!("expected a reply with a \"status\" field: {}", message()),
        body: body(),
    })
}

/// True for the vendor's own words for a key it refuses: "Invalid Auth Key"
/// (missing, wrong, expired or disabled) and "APIExpired" (its older docs'
/// error list), however spaced or cased. A message that merely mentions
/// authorisation ("Unauthorised assignee: ... not in your team") refuses
/// that request, not the key: it is an `Api` error, and a run goes on.
fn refuses_the_key(message: &str) -> bool {
    let letters: String = message
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    letters.contains("invalidauthkey") || letters.contains("apiexpired")
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
        let ok = interpret(&reply(200, body), &Secrets::new().with("tok-123")).unwrap();
        assert_eq!(ok.customer_id(), Some(191690263));
        assert_eq!(ok.contact_id(), Some(210004093));
        assert_eq!(ok.as_json()["extra"], serde_json::json!([1, 2]));
        assert_eq!(
            serde_json::to_value(&ok).unwrap(),
            serde_json::from_str::<Value>(body).unwrap()
        );
    }

    #[test]
    fn a_success_keeps_its_text_and_parses_it_on_first_use() {
        let body = " {\"status\":\"Success\",\"big\":123456789012345678901234567890,\n\"customer\":{\"customer_id\":\"42\"}}\n";
        let ok = interpret(&reply(201, body), &Secrets::new().with("x")).unwrap();
        assert_eq!(ok.json_text(), body);
        assert_eq!(ok.status(), Some("Success"));
        assert!(ok.parsed.get().is_none(), "parsed before it was asked for");
        assert_eq!(ok.customer_id(), Some(42));
        assert_eq!(
            ok.as_json()["big"],
            serde_json::json!(1.2345678901234568e29)
        );
        let copy: AddCustomerResponse =
            serde_json::from_value(serde_json::to_value(&ok).unwrap()).unwrap();
        assert_eq!(copy, ok);
        assert_eq!(copy.status(), Some("Success"));
        assert_eq!(format!("{copy:?}"), format!("{ok:?}"));
        assert_eq!(ok.clone().into_json_text(), body);
    }

    #[test]
    fn capitalised_keys_of_older_endpoints() {
        let ok = interpret(
            &reply(200, r#"{"Status":"Success","Message":"ok"}"#),
            &Secrets::new().with("x"),
        )
        .unwrap();
        assert_eq!(ok.message(), Some("ok"));
        let err = interpret(
            &reply(200, r#"{"Status":"failed","Message":"Bad"}"#),
            &Secrets::new().with("x"),
        );
        assert!(matches!(err, Err(Error::Api { status: 200, message, .. }) if message == "Bad"));
    }

    #[test]
    fn a_redirect_after_a_post_is_an_unknown_outcome_whatever_its_body() {
        for status in [301, 302, 303, 307, 308] {
            for body in [
                "",
                "<html>moved</html>",
                r#"{"status": "failed", "message": "see other"}"#,
            ] {
                let err = interpret(&reply(status, body), &Secrets::new().with("x")).unwrap_err();
                assert!(
                    matches!(err, Error::UnexpectedResponse { status: s, .. } if s == status),
                    "{status} {body}: {err:?}"
                );
                assert!(err.outcome_unknown(), "{status} {body}");
            }
        }
    }

    #[test]
    fn a_row_level_refusal_that_mentions_authorisation_is_not_a_wrong_key() {
        for message in [
            "Unauthorised assignee: asha@example.com is not in your team",
            "Unauthorized to assign this enquiry",
            "Authentication of the lead source failed",
        ] {
            let body = format!(r#"{{"message": "{message}", "status": "failed"}}"#);
            for status in [200, 400] {
                let err = interpret(&reply(status, &body), &Secrets::new().with("x"));
                assert!(
                    matches!(&err, Err(Error::Api { status: s, .. }) if *s == status),
                    "{message} ({status}): {err:?}"
                );
            }
        }
        for message in [
            "Invalid Auth Key",
            "invalid auth-key",
            "APIExpired",
            "API Expired",
        ] {
            let body = format!(r#"{{"message": "{message}", "status": "failed"}}"#);
            let err = interpret(&reply(400, &body), &Secrets::new().with("x"));
            assert!(
                matches!(err, Err(Error::Authentication { .. })),
                "{message}"
            );
        }
    }

    #[test]
    fn auth_message_in_a_200() {
        let err = interpret(
            &reply(200, r#"{"message": "Invalid Auth Key","status": "failed"}"#),
            &Secrets::new().with("x"),
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
        let err =
            interpret(&reply(400, &long), &Secrets::new().with("secret-token-1")).unwrap_err();
        let Error::Api { message, body, .. } = &err else {
            panic!("{err:?}")
        };
        assert_eq!(message, "bad [REDACTED]");
        assert!(body.len() < MAX_ERROR_BODY + 100, "{}", body.len());
        assert!(!format!("{err} {err:?}").contains("secret-token-1"));
    }

    /// Issue 9, case 13: the body was cut before it was scrubbed, leaving
    /// most of a token that straddled the cut.
    #[test]
    fn case_13_token_straddling_the_cut_is_scrubbed() {
        let token = "Zm9vOmJhcjEyMzQ1";
        for offset in 0..token.len() {
            let pad = "x".repeat(MAX_ERROR_BODY - offset);
            let html = format!("<html>{pad}{token} trailing</html>");
            let err = interpret(&reply(502, &html), &Secrets::new().with(token)).unwrap_err();
            let shown = format!("{err} {err:?} {}", err.body().unwrap_or_default());
            for part in (6..token.len()).map(|n| &token[..n]) {
                assert!(!shown.contains(part), "offset {offset}: {part} left");
            }
        }
    }

    /// Issue 9, case 13: a JSON-escaped or URL-encoded echo of the token.
    #[test]
    fn case_13_escaped_token_is_scrubbed() {
        let token = "ab/cd+ef==";
        for echoed in [
            r"ab\/cd\u002Bef==",
            r"ab\/cd\u002bef\u003d\u003D",
            "ab%2Fcd%2Bef%3D%3D",
            r"\u0061b/cd+ef==",
        ] {
            let body =
                format!(r#"{{"status":"failed","message":"bad key {echoed}","echo":"{echoed}"}}"#);
            let err = interpret(&reply(400, &body), &Secrets::new().with(token)).unwrap_err();
            let shown = format!("{err} {err:?} {}", err.body().unwrap_or_default());
            assert!(!shown.contains(echoed), "{echoed} left in {shown}");
            assert!(!shown.contains("cd+ef"), "{shown}");
            assert!(shown.contains("[REDACTED]"), "{shown}");
        }
    }

    /// Issue 9, case 14: escape sequences from a server reach no terminal.
    #[test]
    fn case_14_control_characters_are_escaped() {
        let html = "\u{1b}[2J\u{1b}[HAll 5000 rows added OK\r\u{7}";
        let err = interpret(&reply(502, html), &Secrets::new().with("token-xyz")).unwrap_err();
        let shown = format!("{err} {}", err.body().unwrap_or_default());
        assert!(
            !shown
                .chars()
                .any(|c| c == '\u{1b}' || c == '\r' || c == '\u{7}'),
            "{shown:?}"
        );
        assert!(shown.contains("\\x1b[2J"), "{shown}");
        let json = r#"{"status":"failed","message":"bad \u001b[31mred\u001b[0m"}"#;
        let err = interpret(&reply(400, json), &Secrets::new().with("token-xyz")).unwrap_err();
        assert!(!err.to_string().contains('\u{1b}'), "{err}");
    }
}
