//! Text from a server (or a user's value echoed in a message) made safe to
//! keep: every secret scrubbed first (`crate::secrets`), then cut short,
//! then control characters escaped so it cannot repaint a terminal.

use crate::secrets::Secrets;

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

/// Control characters (ESC, CR, BEL...) shown as `\x1b`-style escapes, so
/// that text from a server cannot repaint a terminal. Newlines and tabs are
/// kept only when `keep_lines` (bodies); messages are one line.
pub(crate) fn escape_controls(text: &str, keep_lines: bool) -> String {
    if !text.chars().any(char::is_control) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\n' | '\t' if keep_lines => out.push(c),
            c if c.is_control() => {
                let code = u32::from(c);
                if code < 0x100 {
                    out.push_str(&format!("\\x{code:02x}"));
                } else {
                    out.push_str(&format!("\\u{{{code:x}}}"));
                }
            }
            c => out.push(c),
        }
    }
    out
}

/// Text from a reply made safe to keep in an error: the secrets scrubbed
/// first, then cut to `max` bytes, then control characters escaped.
pub(crate) fn clean(text: &str, secrets: &Secrets, max: usize, keep_lines: bool) -> String {
    escape_controls(&cut(&secrets.scrub(text), max), keep_lines)
}
