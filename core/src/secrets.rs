//! The secrets a client holds, and the one scrubber that keeps them out of
//! every text the SDK hands on: error messages and bodies (and so the CLI's
//! output, its journal and failures file, logs, and every binding's errors).
//!
//! The secrets: the token (which in username/password mode is
//! `base64(username:password)`), the password, `username:password`, and
//! each default header's value. Not the username alone: it may be an email
//! that also stands in customers' data.
//!
//! A secret is found written as it is, or with any of its characters
//! escaped as encoders and servers write them: JSON (`\/`, `\u002B`) and
//! JSON escaped again (`\\/`, `\\u002B`, any depth), URL (`%2B`), HTML entities
//! (`&#43;`, `&#x2F;`, `&sol;`), in any mix. Any run of 12 or more of its
//! characters counts too (a server that cut the token short, or quoted a
//! part); a secret shorter than that is found whole.

/// Runs of at least this many characters of a secret are scrubbed.
pub const MIN_RUN: usize = 12;

/// Shorter secrets are not scrubbed (they would mask ordinary text).
const MIN_SECRET: usize = 4;

/// What replaces a secret.
pub const MASK: &str = "[REDACTED]";

#[derive(Clone, Default)]
pub struct Secrets {
    items: Vec<Vec<char>>,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Secrets({} held)", self.items.len())
    }
}

impl Secrets {
    pub fn new() -> Secrets {
        Secrets::default()
    }

    /// Adds a secret (ignored when shorter than 4 characters).
    pub fn add(&mut self, secret: &str) {
        let secret = secret.trim();
        if secret.chars().count() >= MIN_SECRET {
            let chars: Vec<char> = secret.chars().collect();
            if !self.items.contains(&chars) {
                self.items.push(chars);
            }
        }
    }

    pub fn with(mut self, secret: &str) -> Secrets {
        self.add(secret);
        self
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// `text` with every secret (written in any of the encodings above, or
    /// a run of 12 or more of its characters) replaced by `[REDACTED]`.
    /// Call it before cutting a text short, so that a secret straddling the
    /// cut cannot survive in part.
    pub fn scrub(&self, text: &str) -> String {
        if self.items.is_empty() {
            return text.to_string();
        }
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        while let Some(c) = text[at..].chars().next() {
            match self.longest_at(&text[at..]) {
                Some(len) => {
                    out.push_str(MASK);
                    at += len;
                }
                None => {
                    out.push(c);
                    at += c.len_utf8();
                }
            }
        }
        out
    }

    /// Whether `text` holds a secret (as [`Secrets::scrub`] finds them).
    pub fn found_in(&self, text: &str) -> bool {
        text.char_indices()
            .any(|(i, _)| self.longest_at(&text[i..]).is_some())
    }

    /// The bytes of the longest secret (or run of one) at the start of
    /// `text`.
    fn longest_at(&self, text: &str) -> Option<usize> {
        let mut best: Option<usize> = None;
        for secret in &self.items {
            let whole = secret.len();
            for start in 0..whole {
                // A run must be long enough, or the whole secret.
                let need = if start == 0 {
                    whole.min(MIN_RUN)
                } else {
                    MIN_RUN
                };
                if whole - start < need {
                    break;
                }
                if let Some((chars, bytes)) = matched(text, &secret[start..])
                    && (chars >= need && (chars >= MIN_RUN || chars == whole))
                {
                    best = Some(best.map_or(bytes, |b| b.max(bytes)));
                }
            }
        }
        best
    }
}

/// How many characters of `secret` (from its start) `text` begins with,
/// each as itself or escaped, and the bytes they take; `None` for none.
fn matched(text: &str, secret: &[char]) -> Option<(usize, usize)> {
    let mut at = 0;
    let mut chars = 0;
    for &want in secret {
        match char_at(&text[at..], want) {
            Some(len) => {
                at += len;
                chars += 1;
            }
            None => break,
        }
    }
    (chars > 0).then_some((chars, at))
}

/// The length in bytes of `want` at the start of `text`, as itself or in
/// one of the escapes above.
fn char_at(text: &str, want: char) -> Option<usize> {
    let c = text.chars().next()?;
    if c == want {
        return Some(c.len_utf8());
    }
    match c {
        '\\' => {
            // JSON: `\/`, `\u002B`; escaped again (a body quoting a
            // message): `\\/`, `\\\\u002B`, as deep as it goes.
            let slashes = text.bytes().take(16).take_while(|b| *b == b'\\').count();
            json_escape(&text[slashes..], want).map(|n| n + slashes)
        }
        '%' => hex_char(text.get(1..3)?).filter(|h| *h == want).map(|_| 3),
        '&' => html_entity(text, want),
        _ => None,
    }
}

/// After a backslash: `/`, `\`, `"` as themselves, or `uXXXX`.
fn json_escape(rest: &str, want: char) -> Option<usize> {
    match rest.chars().next()? {
        n @ ('/' | '\\' | '"') if n == want => Some(1),
        'u' => hex_char(rest.get(1..5)?).filter(|h| *h == want).map(|_| 5),
        _ => None,
    }
}

/// `&#43;`, `&#x2B;`, or a named entity, standing for `want`.
fn html_entity(text: &str, want: char) -> Option<usize> {
    let end = text
        .char_indices()
        .take_while(|(i, _)| *i < 12)
        .find(|(_, c)| *c == ';')?
        .0;
    let name = &text[1..end];
    let decoded = if let Some(num) = name.strip_prefix('#') {
        let value = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse::<u32>().ok()?,
        };
        char::from_u32(value)?
    } else {
        match name {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            "sol" => '/',
            "equals" => '=',
            "plus" => '+',
            "colon" => ':',
            "percnt" => '%',
            "bsol" => '\\',
            _ => return None,
        }
    };
    (decoded == want).then_some(end + 1)
}

fn hex_char(digits: &str) -> Option<char> {
    if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u32::from_str_radix(digits, 16)
        .ok()
        .and_then(char::from_u32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use kapture_crm_sandbox::secret_echo::encodings;

    const TOKEN: &str = "Ab3xY+Tk7q9/Mn5pQ=Rs8tU+Wx2yZ/Bc4dE=Gh6iJ+Kl9mN/Op0qR=St1uV+Wx3yZ";
    const PASSWORD: &str = "Pw7xQ+Lm3nB/Zk8sT=Yh2uR";
    const HEADER: &str = "Hv9aB+Cd2eF/Gh5iJ=Kl8mN+Op1qR";
    const SHORT: &str = "p4ss+wd";

    fn held() -> Secrets {
        Secrets::new()
            .with(TOKEN)
            .with(PASSWORD)
            .with(&format!("ops:{PASSWORD}"))
            .with(HEADER)
            .with(SHORT)
    }

    /// Every secret, in every encoding, inside ordinary text, is scrubbed;
    /// no five-character piece of it is left.
    #[test]
    fn every_secret_in_every_encoding_is_scrubbed() {
        let secrets = held();
        for secret in [TOKEN, PASSWORD, HEADER] {
            for (name, written) in encodings(secret) {
                let text = format!("Invalid key: {written} (see docs)");
                let clean = secrets.scrub(&text);
                let pieces: Vec<&str> = secret.split(['+', '/', '=']).collect();
                for piece in pieces {
                    assert!(!clean.contains(piece), "{name}: {piece} left in {clean}");
                }
                assert!(
                    clean.starts_with("Invalid key: [REDACTED]"),
                    "{name}: {clean}"
                );
                assert!(clean.ends_with(" (see docs)"), "{name}: {clean}");
            }
        }
        // A short secret, whole, in its encodings (not as a run).
        for (name, written) in encodings(SHORT).into_iter().take(7) {
            let clean = secrets.scrub(&format!("x {written} y"));
            assert_eq!(clean, "x [REDACTED] y", "{name}");
        }
    }

    /// A body that quotes a JSON-escaped message escapes it again: any
    /// depth of backslashes.
    #[test]
    fn json_escaped_at_any_depth_is_scrubbed() {
        let secrets = held();
        for depth in 1..=4 {
            let slashes = "\\".repeat(depth);
            let written = HEADER
                .replace('+', &format!("{slashes}u002b"))
                .replace('/', &format!("{slashes}/"))
                .replace('=', &format!("{slashes}u003D"));
            assert_eq!(
                secrets.scrub(&format!("<{written}>")),
                "<[REDACTED]>",
                "{written}"
            );
        }
    }

    #[test]
    fn shorter_runs_and_ordinary_text_are_kept() {
        let secrets = held();
        // 11 characters of the token: kept (a run is 12 or more).
        let eleven = &TOKEN[6..17];
        assert_eq!(secrets.scrub(eleven), eleven);
        let text = "Customer ops@example.in, phone 9845012345, city Pune";
        assert_eq!(secrets.scrub(text), text);
        assert!(!secrets.found_in(text));
        assert!(secrets.found_in(&format!("..{}..", &TOKEN[20..32])));
    }
}
