//! How deep a request may nest, checked before anything recurses, so no
//! input (a Python dict, a JS object, JSON text) can exhaust the stack; and
//! the path of the first value too deep, for the message.

use serde_json::Value;

/// Why a value is refused: one message for JSON text and for a front end's
/// own values (a Python dict or a JS object may even contain itself).
pub fn too_deep_message() -> String {
    format!(
        "nested deeper than {MAX_DEPTH} levels (or containing itself); a request is never that deep"
    )
}

/// How deep a request may nest (objects and lists); the vendor's is 3.
/// Checked before anything recurses, so no input can exhaust the stack.
pub const MAX_DEPTH: usize = 64;

/// The path of the first value nested deeper than [`MAX_DEPTH`], found
/// without recursion.
pub(crate) fn too_deep(value: &Value) -> Option<String> {
    // Paths are built only when something is too deep (rare): first a walk
    // that only counts.
    if !exceeds_depth(value) {
        return None;
    }
    let mut stack: Vec<(&Value, usize, String)> = vec![(value, 0, String::new())];
    while let Some((value, depth, path)) = stack.pop() {
        let nested = |v: &&Value| v.is_object() || v.is_array();
        match value {
            Value::Object(map) if depth >= MAX_DEPTH && !map.is_empty() => return Some(path),
            Value::Array(items) if depth >= MAX_DEPTH && !items.is_empty() => return Some(path),
            Value::Object(map) => {
                for (key, child) in map.iter().filter(|(_, v)| nested(v)) {
                    let child_path = if path.is_empty() {
                        key.clone()
                    } else {
                        format!("{path}.{key}")
                    };
                    stack.push((child, depth + 1, child_path));
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate().filter(|(_, v)| nested(v)) {
                    stack.push((child, depth + 1, format!("{path}[{i}]")));
                }
            }
            _ => {}
        }
    }
    None
}

/// Whether a non-empty object or array sits at [`MAX_DEPTH`] or deeper.
fn exceeds_depth(value: &Value) -> bool {
    exceeds_depth_at(value, 0)
}

/// [`exceeds_depth`] for a `value` that sits at `depth` itself.
pub(crate) fn exceeds_depth_at(value: &Value, depth: usize) -> bool {
    let nested = |v: &&Value| v.is_object() || v.is_array();
    let mut stack = vec![(value, depth)];
    while let Some((value, depth)) = stack.pop() {
        match value {
            Value::Object(map) if !map.is_empty() => {
                if depth >= MAX_DEPTH {
                    return true;
                }
                stack.extend(map.values().filter(nested).map(|v| (v, depth + 1)));
            }
            Value::Array(items) if !items.is_empty() => {
                if depth >= MAX_DEPTH {
                    return true;
                }
                stack.extend(items.iter().filter(nested).map(|v| (v, depth + 1)));
            }
            _ => {}
        }
    }
    false
}

/// [`too_deep`] on JSON text that cannot be parsed for its depth: the path
/// of the first non-empty object or array at [`MAX_DEPTH`] or deeper,
/// found by a scan of the text (no recursion, no tree). `None` when the
/// text is not JSON enough to say.
pub(crate) fn too_deep_in_text(text: &str) -> Option<String> {
    enum Frame {
        Object(Option<String>),
        Array(usize),
    }
    let bytes = text.as_bytes();
    let mut frames: Vec<Frame> = Vec::new();
    let mut i = 0;
    while let Some(&byte) = bytes.get(i) {
        match byte {
            b'{' | b'[' => {
                let empty = bytes
                    .get(i + 1..)?
                    .iter()
                    .find(|b| !b.is_ascii_whitespace())
                    .is_some_and(|b| matches!(b, b'}' | b']'));
                if frames.len() >= MAX_DEPTH && !empty {
                    let mut path = String::new();
                    for frame in &frames {
                        match frame {
                            Frame::Object(Some(key)) if path.is_empty() => path.push_str(key),
                            Frame::Object(Some(key)) => {
                                path.push('.');
                                path.push_str(key);
                            }
                            Frame::Object(None) => return None,
                            Frame::Array(index) => path.push_str(&format!("[{index}]")),
                        }
                    }
                    return Some(path);
                }
                frames.push(if byte == b'{' {
                    Frame::Object(None)
                } else {
                    Frame::Array(0)
                });
            }
            b'}' | b']' => {
                frames.pop();
            }
            b',' => {
                if let Some(Frame::Array(index)) = frames.last_mut() {
                    *index += 1;
                }
            }
            b'"' => {
                let start = i;
                i += 1;
                while let Some(&b) = bytes.get(i) {
                    match b {
                        b'\\' => i += 2,
                        b'"' => break,
                        _ => i += 1,
                    }
                }
                let token = text.get(start..=i)?;
                // A string followed by ':' is its object's current key.
                let is_key = bytes
                    .get(i + 1..)?
                    .iter()
                    .find(|b| !b.is_ascii_whitespace())
                    == Some(&b':');
                if let (true, Some(Frame::Object(key))) = (is_key, frames.last_mut()) {
                    *key = Some(serde_json::from_str::<String>(token).ok()?);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}
