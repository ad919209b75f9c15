//! The dialect of an input file as Excel writes it: its encoding (UTF-8
//! with or without a BOM, UTF-16 with a BOM from "Unicode text", or one the
//! user names with `--encoding`), its delimiter (`,`, `;` from European
//! Excel, tab) and its line endings. Read once from the start of the file;
//! the failures file is written in the same dialect, so it opens in Excel
//! as the original did.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE};

/// How much of the file is looked at to tell its dialect.
const SAMPLE: usize = 64 * 1024;

/// Delimiters told apart by detection (`--delimiter` may force any other).
const DETECTED: [u8; 3] = [b',', b';', b'\t'];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dialect {
    pub encoding: &'static Encoding,
    /// The file starts with a byte-order mark.
    pub bom: bool,
    pub delimiter: u8,
    pub crlf: bool,
}

impl Default for Dialect {
    fn default() -> Self {
        Dialect {
            encoding: UTF_8,
            bom: false,
            delimiter: b',',
            crlf: false,
        }
    }
}

/// `--delimiter`: `,` `;` `|`, `tab` or `\t`.
pub fn parse_delimiter(text: &str) -> Result<u8, String> {
    match text {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        other if other.len() == 1 && other.is_ascii() && other != "\"" => Ok(other.as_bytes()[0]),
        other => Err(format!(
            "--delimiter {other:?}: expected one character such as , or ; (or `tab`)"
        )),
    }
}

/// `--encoding`: an encoding_rs label (`latin1`, `windows-1252`, `utf-16le`...).
pub fn parse_encoding(label: &str) -> Result<&'static Encoding, String> {
    Encoding::for_label(label.trim().as_bytes()).ok_or_else(|| {
        format!(
            "--encoding {label:?} is not an encoding label; e.g. utf-8, latin1 (windows-1252), \
             utf-16le, shift_jis (the WHATWG labels)"
        )
    })
}

impl Dialect {
    /// Reads the start of `path`. `Err`: the file cannot be read, or it is
    /// in an encoding other than the ones named above, with what to do.
    pub fn detect(
        path: &Path,
        delimiter: Option<u8>,
        encoding: Option<&'static Encoding>,
    ) -> Result<Dialect, String> {
        let mut sample = Vec::with_capacity(SAMPLE);
        File::open(path)
            .and_then(|f| f.take(SAMPLE as u64).read_to_end(&mut sample))
            .map_err(|e| format!("{}: {e}", path.display()))?;
        Self::from_sample(&sample, delimiter, encoding)
            .map_err(|e| format!("{}: {e}", path.display()))
    }

    pub fn from_sample(
        sample: &[u8],
        delimiter: Option<u8>,
        encoding: Option<&'static Encoding>,
    ) -> Result<Dialect, String> {
        let (bom_encoding, _) = Encoding::for_bom(sample).unzip();
        let encoding = match (bom_encoding, encoding) {
            // A byte-order mark is certain; it wins over --encoding.
            (Some(found), _) => found,
            (None, Some(given)) => given,
            (None, None) => {
                if sample.contains(&0) {
                    return Err(
                        "holds NUL bytes: it looks like UTF-16 without a byte-order \
                                mark; save it as \"CSV UTF-8\" or pass --encoding utf-16le"
                            .into(),
                    );
                }
                let header = sample.split(|b| *b == b'\n').next().unwrap_or_default();
                if let Err(e) = std::str::from_utf8(header) {
                    // A truncated sample may cut a character: only a real
                    // error counts.
                    if e.error_len().is_some() {
                        return Err(format!(
                            "the header row is not UTF-8 (byte {}); save the file as \"CSV \
                             UTF-8\" or name its encoding, e.g. --encoding latin1",
                            e.valid_up_to() + 1
                        ));
                    }
                }
                UTF_8
            }
        };
        let text = decode_sample(sample, encoding);
        let header = header_line(&text);
        let crlf = header.ends_with('\r');
        let delimiter = delimiter.unwrap_or_else(|| detect_delimiter(header));
        Ok(Dialect {
            encoding,
            bom: bom_encoding.is_some(),
            delimiter,
            crlf,
        })
    }

    /// The file as UTF-8 bytes. UTF-8 input is passed through untouched (a
    /// row that is not UTF-8 then fails on its own, saying where); other
    /// encodings are decoded as they stream.
    pub fn reader(&self, path: &Path) -> Result<Box<dyn Read + Send>, String> {
        let mut file = File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
        if self.encoding == UTF_8 {
            if self.bom {
                file.seek(SeekFrom::Start(3))
                    .map_err(|e| format!("{}: {e}", path.display()))?;
            }
            return Ok(Box::new(file));
        }
        Ok(Box::new(
            encoding_rs_io::DecodeReaderBytesBuilder::new()
                .encoding(Some(self.encoding))
                .bom_override(true)
                .build(file),
        ))
    }

    /// UTF-8 text (a record the CSV writer made) in the file's encoding,
    /// for the failures file.
    pub fn encode(&self, text: &str) -> Vec<u8> {
        if self.encoding == UTF_16LE {
            text.encode_utf16().flat_map(u16::to_le_bytes).collect()
        } else if self.encoding == UTF_16BE {
            text.encode_utf16().flat_map(u16::to_be_bytes).collect()
        } else {
            // Characters the encoding lacks become numeric character
            // references (encoding_rs's rule); rows the user typed in that
            // encoding have none.
            self.encoding.encode(text).0.into_owned()
        }
    }

    /// The byte-order mark to start the failures file with, if the input had one.
    pub fn bom_bytes(&self) -> &'static [u8] {
        match (self.bom, self.encoding.name()) {
            (false, _) => b"",
            (true, "UTF-16LE") => b"\xff\xfe",
            (true, "UTF-16BE") => b"\xfe\xff",
            (true, _) => b"\xef\xbb\xbf",
        }
    }

    pub fn describe(&self) -> String {
        let delimiter = match self.delimiter {
            b'\t' => "tab".to_string(),
            other => (other as char).to_string(),
        };
        format!(
            "{}{}, delimiter {delimiter}, {} line endings",
            self.encoding.name(),
            if self.bom { " with BOM" } else { "" },
            if self.crlf { "CRLF" } else { "LF" }
        )
    }
}

fn decode_sample(sample: &[u8], encoding: &'static Encoding) -> String {
    let (text, _, _) = encoding.decode(sample);
    text.trim_start_matches('\u{feff}').to_string()
}

/// The first line, outside quotes (a quoted header may hold a newline).
fn header_line(text: &str) -> &str {
    let mut quoted = false;
    for (i, c) in text.char_indices() {
        match c {
            '"' => quoted = !quoted,
            '\n' if !quoted => return &text[..i],
            _ => {}
        }
    }
    text
}

/// The most frequent of `,` `;` tab outside quotes; `,` when none appears.
fn detect_delimiter(header: &str) -> u8 {
    let mut counts = [0usize; DETECTED.len()];
    let mut quoted = false;
    for byte in header.bytes() {
        if byte == b'"' {
            quoted = !quoted;
        } else if !quoted && let Some(i) = DETECTED.iter().position(|d| *d == byte) {
            counts[i] += 1;
        }
    }
    let best = (0..DETECTED.len()).max_by_key(|i| (counts[*i], usize::MAX - i));
    match best {
        Some(i) if counts[i] > 0 => DETECTED[i],
        _ => b',',
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delimiters_are_told_from_the_header() {
        let d = |s: &[u8]| Dialect::from_sample(s, None, None).unwrap();
        assert_eq!(d(b"a,b,c\n1,2,3\n").delimiter, b',');
        assert_eq!(d(b"a;b;c\r\n1;2,5;3\r\n").delimiter, b';');
        assert!(d(b"a;b;c\r\n").crlf);
        assert_eq!(d(b"a\tb\tc\n").delimiter, b'\t');
        assert_eq!(d(b"\"x,y\";b;c\n").delimiter, b';');
        assert_eq!(d(b"name\n").delimiter, b',');
        let utf16: Vec<u8> = b"\xff\xfe"
            .iter()
            .copied()
            .chain("a\tb\r\n".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        let dialect = d(&utf16);
        assert_eq!(
            (
                dialect.encoding,
                dialect.delimiter,
                dialect.crlf,
                dialect.bom
            ),
            (UTF_16LE, b'\t', true, true)
        );
        assert_eq!(
            dialect.encode("a\tb"),
            "a\tb"
                .encode_utf16()
                .flat_map(u16::to_le_bytes)
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn other_encodings_are_refused_with_a_hint() {
        let e = Dialect::from_sample(b"n\0a\0m\0e\0", None, None).unwrap_err();
        assert!(e.contains("--encoding utf-16le"), "{e}");
        let e = Dialect::from_sample(b"Stra\xdfe,phone\n", None, None).unwrap_err();
        assert!(e.contains("--encoding latin1"), "{e}");
        let latin1 = parse_encoding("latin1").unwrap();
        let d = Dialect::from_sample(b"Stra\xdfe;phone\n", None, Some(latin1)).unwrap();
        assert_eq!(d.delimiter, b';');
        assert!(parse_encoding("klingon").is_err());
    }
}
