//! Credentials: the API token, or a Kapture user's name and password made
//! into one (`base64(username:password)`), checked before any connection.
//! Their `Debug` never shows them.

use std::fmt;

use crate::error::Error;
use crate::settings::{ENV_PASSWORD, ENV_TOKEN, ENV_USERNAME};

/// The API token. Its `Debug` never shows it.
#[derive(Clone)]
pub(crate) struct Token(pub(crate) String);

impl Token {
    /// The token without any `Basic ` prefix, to scrub from error bodies.
    pub(crate) fn bare(&self) -> &str {
        strip_basic(&self.0).unwrap_or(&self.0)
    }

    /// The `Authorization` value: `Basic <token>`, the token verbatim; a
    /// token that already starts with `Basic ` is not prefixed twice.
    pub(crate) fn header_value(&self) -> String {
        match strip_basic(&self.0) {
            Some(_) => self.0.clone(),
            None => format!("Basic {}", self.0),
        }
    }
}

fn strip_basic(token: &str) -> Option<&str> {
    let prefix = token.get(..6)?;
    prefix
        .eq_ignore_ascii_case("basic ")
        .then(|| token[6..].trim_start())
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[REDACTED]")
    }
}

/// A password: its `Debug` never shows it.
#[derive(Clone)]
pub(crate) struct Secret(pub(crate) String);

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<hidden>)")
    }
}

/// `base64(username:password)`, the Basic token of a Kapture user.
pub(crate) fn basic_token(username: &str, password: &str) -> Result<Token, Error> {
    let username = username.trim();
    if username.is_empty() || password.is_empty() {
        return Err(Error::Config(
            "the username and the password must not be empty".into(),
        ));
    }
    if username.contains(':') {
        return Err(Error::Config("a username cannot contain ':'".into()));
    }
    if username
        .chars()
        .chain(password.chars())
        .any(char::is_control)
    {
        return Err(Error::Config(
            "the username or password contains control characters (a stray newline from a \
             file?)"
                .into(),
        ));
    }
    Ok(Token(base64(format!("{username}:{password}").as_bytes())))
}

/// Standard base64 with padding (RFC 4648), for the Basic token.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i)) as usize & 63]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

pub(crate) fn check_token(token: Option<Token>) -> Result<Token, Error> {
    let Some(token) = token else {
        return Err(Error::Config(format!(
            "no token: pass one (or set {ENV_TOKEN})"
        )));
    };
    if token.bare().trim().is_empty() {
        return Err(Error::Config("the token is empty".into()));
    }
    // Never quote the token, not even in part.
    if token.0.chars().any(|c| c.is_control()) {
        return Err(Error::Config(
            "the token contains control characters (a stray newline from a file?)".into(),
        ));
    }
    if !token.0.is_ascii() {
        return Err(Error::Config(
            "the token contains non-ASCII characters".into(),
        ));
    }
    // A Basic token is base64 (no ':'); Kapture's Auth Keys have none either.
    if token.bare().contains(':') {
        return Err(Error::Config(format!(
            "the token contains ':', so it is an un-encoded user:password; pass username and \
             password instead (or {ENV_USERNAME} and {ENV_PASSWORD}), or base64 it"
        )));
    }
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_pads_as_rfc_4648_says() {
        assert_eq!(base64(b"ab"), "YWI=");
        assert_eq!(base64(b"abc"), "YWJj");
        assert_eq!(base64(b"a"), "YQ==");
    }
}
