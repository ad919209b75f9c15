//! Reading an input file row by row (CSV or JSON lines) into requests,
//! streaming: one row in memory at a time.
//!
//! CSV rows go through the core's row mapper (`kapture_crm::rows`): headers
//! are matched once, before any row, so an unknown one stops the run with
//! a suggestion instead of failing every row. The file's encoding,
//! delimiter and line endings are the [`Dialect`]'s.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use super::dialect::Dialect;
use super::{Cell, RowMapper, RowOptions};
use crate::error::{Error, FieldError};
use crate::model::AddCustomerRequest;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Jsonl,
}

impl Format {
    /// From the extension: `.csv` (and `.txt`/`.tsv`, as Excel saves
    /// "Unicode text"), `.jsonl`/`.ndjson`.
    pub fn guess(path: &Path) -> Option<Format> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "csv" | "tsv" | "txt" => Some(Format::Csv),
            "jsonl" | "ndjson" => Some(Format::Jsonl),
            _ => None,
        }
    }
}

/// Columns of a failures file that are not data when it is imported again.
pub const NOT_DATA: [&str; 2] = ["row", "error"];

/// One data row: its number (1 = first row after the header), a stable hash
/// of its text (the journal's check that the file did not change), the
/// request built from it (or every reason it could not be), and its
/// original cells.
pub struct Row {
    pub number: u64,
    pub hash: u64,
    pub request: Result<AddCustomerRequest, Error>,
    pub cells: Vec<String>,
}

pub struct Rows {
    inner: Inner,
    next_number: u64,
    pub headers: Vec<String>,
    /// Entirely empty CSV rows skipped so far.
    pub blank: u64,
}

/// Any byte source: a file, or bytes in memory (tests and fuzzing).
type Source = Box<dyn Read + Send>;

enum Inner {
    Csv(csv::Reader<Source>, Box<RowMapper>),
    Jsonl(BufReader<Source>),
}

/// FNV-1a, 64 bits: stable across builds and versions (unlike std's hasher).
pub fn fnv(parts: &[&[u8]]) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.iter().chain(&[0x1f]) {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    hash
}

fn invalid(message: String) -> Error {
    Error::Validation(vec![FieldError::new("", message)])
}

fn csv_reader(source: Source, dialect: &Dialect) -> csv::Reader<Source> {
    // Flexible: a row with the wrong number of fields fails on its own
    // (checked below) instead of ending the file.
    csv::ReaderBuilder::new()
        .flexible(true)
        .delimiter(dialect.delimiter)
        .from_reader(source)
}

impl Rows {
    pub fn open(
        path: &Path,
        format: Format,
        dialect: &Dialect,
        options: &RowOptions,
    ) -> Result<Rows, String> {
        Self::from_reader(
            dialect.reader(path)?,
            &path.display().to_string(),
            format,
            dialect,
            options,
        )
    }

    /// Rows from any source (already UTF-8); `name` is how errors refer to it.
    pub fn from_reader(
        file: Source,
        name: &str,
        format: Format,
        dialect: &Dialect,
        options: &RowOptions,
    ) -> Result<Rows, String> {
        match format {
            Format::Jsonl => Ok(Rows {
                inner: Inner::Jsonl(BufReader::new(file)),
                next_number: 1,
                headers: vec!["json".into()],
                blank: 0,
            }),
            Format::Csv => {
                let mut reader = csv_reader(file, dialect);
                let headers: Vec<String> = reader
                    .headers()
                    .map_err(|e| format!("{name}: cannot read the header row: {e}"))?
                    .iter()
                    .map(str::to_string)
                    .collect();
                let mut options = options.clone();
                options
                    .ignore
                    .extend(NOT_DATA.iter().map(|s| s.to_string()));
                let mapper = RowMapper::new(&headers, &options).map_err(|e| header_problems(&e))?;
                Ok(Rows {
                    inner: Inner::Csv(reader, Box::new(mapper)),
                    next_number: 1,
                    headers,
                    blank: 0,
                })
            }
        }
    }
}

/// The mapper's refusal of a header row, one line per column.
fn header_problems(error: &Error) -> String {
    let lines = match error {
        Error::Validation(problems) => problems
            .iter()
            .map(|p| match p.path.as_str() {
                "date_format" => format!("--date-format: {}", p.message),
                header => format!("column {header:?}: {}", p.message),
            })
            .collect::<Vec<_>>()
            .join("\n"),
        other => other.to_string(),
    };
    format!("{lines}\n(rename a column with --map 'Header=field', e.g. --map 'Mobile No=phone')")
}

impl Iterator for Rows {
    type Item = Result<Row, String>;

    fn next(&mut self) -> Option<Self::Item> {
        let mut number = self.next_number;
        let row = match &mut self.inner {
            Inner::Jsonl(reader) => loop {
                // Bytes, not text: a line that is not UTF-8 fails on its own.
                let mut bytes = Vec::new();
                match reader.read_until(b'\n', &mut bytes) {
                    Ok(0) => return None,
                    Ok(_) => {}
                    Err(e) => return Some(Err(format!("line {number}: {e}"))),
                }
                if bytes.trim_ascii().is_empty() {
                    continue; // blank lines are not rows
                }
                // The line without its line ending (as `lines()` gave it, so
                // journals of earlier versions keep their hashes).
                let trimmed = bytes
                    .strip_suffix(b"\n")
                    .map_or(&bytes[..], |b| b.strip_suffix(b"\r").unwrap_or(b));
                let hash = fnv(&[trimmed]);
                let (line, request) = match std::str::from_utf8(trimmed) {
                    Ok(line) => (line.to_string(), AddCustomerRequest::from_json_str(line)),
                    Err(e) => (
                        String::from_utf8_lossy(trimmed).into_owned(),
                        Err(invalid(not_utf8(e.valid_up_to(), None))),
                    ),
                };
                break Row {
                    number,
                    hash,
                    request,
                    cells: vec![line],
                };
            },
            Inner::Csv(reader, mapper) => loop {
                let mut record = csv::ByteRecord::new();
                match reader.read_byte_record(&mut record) {
                    Ok(false) => return None,
                    Ok(true) => {}
                    Err(e) => return Some(Err(format!("row {number}: {e}"))),
                }
                if record.iter().all(|cell| cell.trim_ascii().is_empty()) {
                    // An entirely empty row (`,,,`): skipped, counted, and
                    // still numbered, so row numbers match the file's.
                    self.blank += 1;
                    self.next_number += 1;
                    number = self.next_number;
                    continue;
                }
                let parts: Vec<&[u8]> = record.iter().collect();
                let hash = fnv(&parts);
                let mut problem = None;
                let cells: Vec<String> = record
                    .iter()
                    .enumerate()
                    .map(|(i, cell)| match std::str::from_utf8(cell) {
                        Ok(text) => text.to_string(),
                        Err(e) => {
                            if problem.is_none() {
                                let header = self.headers.get(i).map(String::as_str);
                                problem = Some(not_utf8(e.valid_up_to(), header));
                            }
                            String::from_utf8_lossy(cell).into_owned()
                        }
                    })
                    .collect();
                if problem.is_none() && cells.len() != self.headers.len() {
                    problem = Some(format!(
                        "row {number} has {} fields, the header has {}",
                        cells.len(),
                        self.headers.len()
                    ));
                }
                let request = match problem {
                    Some(problem) => Err(invalid(problem)),
                    None => mapper.request(cells.iter().map(|c| Cell::from(c.as_str())).collect()),
                };
                break Row {
                    number,
                    hash,
                    request,
                    cells,
                };
            },
        };
        self.next_number += 1;
        Some(Ok(row))
    }
}

/// Issue 9, case 7: a row that is not UTF-8 fails on its own, saying where.
fn not_utf8(at: usize, column: Option<&str>) -> String {
    let place = match column {
        Some(column) => format!(" of column {column:?}"),
        None => String::new(),
    };
    format!(
        "not valid UTF-8 at byte {}{place}; save the file as \"CSV UTF-8\" (or name its \
         encoding, e.g. --encoding latin1)",
        at + 1
    )
}

/// A file's rows read without mapping them: the header row and each data
/// row's hash by row number (`None` for an entirely empty CSV row), numbered
/// and hashed exactly as [`Rows`] does. What resume checks, the journal's
/// fingerprint and the progress bar need, in one pass that builds no
/// request.
pub struct Scan {
    pub headers: Vec<String>,
    pub hashes: Vec<Option<u64>>,
}

impl Scan {
    /// The first data row's hash.
    pub fn first(&self) -> Option<u64> {
        self.hashes.iter().flatten().next().copied()
    }
}

/// [`Scan`] of `source`; `name` is how errors refer to it.
pub fn scan(source: &Path, name: &str, format: Format, dialect: &Dialect) -> Result<Scan, String> {
    let file = dialect.reader(source)?;
    let mut hashes = Vec::new();
    match format {
        Format::Csv => {
            let mut reader = csv_reader(file, dialect);
            let headers = reader
                .headers()
                .map_err(|e| format!("{name}: cannot read the header row: {e}"))?
                .iter()
                .map(str::to_string)
                .collect();
            let mut record = csv::ByteRecord::new();
            loop {
                let number = hashes.len() + 1;
                match reader.read_byte_record(&mut record) {
                    Ok(false) => return Ok(Scan { headers, hashes }),
                    Ok(true) => {}
                    Err(e) => return Err(format!("row {number}: {e}")),
                }
                if record.iter().all(|cell| cell.trim_ascii().is_empty()) {
                    hashes.push(None);
                } else {
                    let parts: Vec<&[u8]> = record.iter().collect();
                    hashes.push(Some(fnv(&parts)));
                }
            }
        }
        Format::Jsonl => {
            let mut reader = BufReader::new(file);
            let mut bytes = Vec::new();
            loop {
                bytes.clear();
                match reader.read_until(b'\n', &mut bytes) {
                    Ok(0) => {
                        return Ok(Scan {
                            headers: vec!["json".into()],
                            hashes,
                        });
                    }
                    Ok(_) => {}
                    Err(e) => return Err(format!("line {}: {e}", hashes.len() + 1)),
                }
                if bytes.trim_ascii().is_empty() {
                    continue;
                }
                let trimmed = bytes
                    .strip_suffix(b"\n")
                    .map_or(&bytes[..], |b| b.strip_suffix(b"\r").unwrap_or(b));
                hashes.push(Some(fnv(&[trimmed])));
            }
        }
    }
}

/// Data rows of a file: CSV records (a cell may hold newlines) less the
/// header, or non-blank JSON lines. Sizes the duplicate table and the
/// progress bar; `None` if the file cannot be read.
pub fn count_rows(path: &Path, format: Format, dialect: &Dialect) -> Option<u64> {
    let source = dialect.reader(path).ok()?;
    match format {
        Format::Csv => {
            let mut reader = csv_reader(source, dialect);
            let mut record = csv::ByteRecord::new();
            let mut rows = 0;
            loop {
                match reader.read_byte_record(&mut record) {
                    Ok(true) => rows += 1,
                    Ok(false) | Err(_) => return Some(rows),
                }
            }
        }
        Format::Jsonl => {
            let mut reader = BufReader::new(source);
            let (mut rows, mut line) = (0, Vec::new());
            loop {
                line.clear();
                match reader.read_until(b'\n', &mut line) {
                    Ok(0) | Err(_) => return Some(rows),
                    Ok(_) if line.trim_ascii().is_empty() => {}
                    Ok(_) => rows += 1,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The scan is the rows' twin for hashes: numbered and hashed alike
    /// (blank rows, quoted newlines, bad UTF-8, wrong widths), or resume
    /// would refuse files it wrote, or miss a change.
    #[test]
    fn a_scan_numbers_and_hashes_rows_as_the_rows_do() {
        let dir = std::env::temp_dir().join(format!("kapture-scan-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let cases: [(&str, Format, &[u8]); 2] = [
            (
                "c.csv",
                Format::Csv,
                b"customer_name,phone\nA,9845012345\n,\n\"B\nb\",9845012346\nC\xff,1,extra\n\nD,9845012347\n",
            ),
            (
                "c.jsonl",
                Format::Jsonl,
                b"{\"customer_info\":{}}\r\n\n  \n{\"x\":1}\n\xff\n{}",
            ),
        ];
        for (name, format, bytes) in cases {
            let path = dir.join(name);
            std::fs::write(&path, bytes).unwrap();
            let dialect = Dialect::default();
            let scanned = scan(&path, name, format, &dialect).unwrap();
            let rows: Vec<Row> = Rows::open(&path, format, &dialect, &RowOptions::default())
                .unwrap()
                .map(Result::unwrap)
                .collect();
            for row in &rows {
                assert_eq!(
                    scanned.hashes[row.number as usize - 1],
                    Some(row.hash),
                    "{name} row {}",
                    row.number
                );
            }
            let numbered = scanned.hashes.iter().filter(|h| h.is_some()).count();
            assert_eq!(numbered, rows.len(), "{name}");
            assert_eq!(scanned.first(), rows.first().map(|r| r.hash));
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    fn rows(text: &str) -> Result<Vec<Row>, String> {
        let rows = Rows::from_reader(
            Box::new(std::io::Cursor::new(text.as_bytes().to_vec())),
            "test",
            Format::Csv,
            &Dialect::default(),
            &RowOptions::default(),
        )?;
        rows.collect()
    }

    #[test]
    fn unknown_headers_stop_the_run_with_a_hint() {
        let err = rows("customer_name,emial,contact_info.first_name\n")
            .err()
            .unwrap();
        assert!(
            err.contains("column \"emial\": matches no documented field; closest: `email_id`"),
            "{err}"
        );
        assert!(err.contains("contact index"), "{err}");
        assert!(err.contains("--map"), "{err}");
    }

    #[test]
    fn a_failures_files_row_and_error_columns_are_not_data() {
        let rows = rows("Name,Phone,row,error\nAsha,9845012345,3,bad phone\n").unwrap();
        let request = rows[0].request.as_ref().unwrap();
        assert_eq!(request.customer_info.phone, "9845012345");
    }

    #[test]
    fn hash_is_stable() {
        assert_eq!(fnv(&[b"a", b"b"]), fnv(&[b"a", b"b"]));
        assert_ne!(fnv(&[b"ab"]), fnv(&[b"a", b"b"]));
    }
}
