//! Reading an input file row by row (CSV, JSON lines, or a workbook's
//! sheet) into requests: CSV and JSON lines streaming, one row in memory at
//! a time; a workbook's sheet from its cells in memory (`workbook.rs`).
//!
//! CSV rows go through the core's row mapper (`kapture_crm::rows`): headers
//! are matched once, before any row, so an unknown one stops the run with
//! a suggestion instead of failing every row. The file's encoding,
//! delimiter and line endings are the [`Dialect`]'s.

use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use super::dialect::Dialect;
pub use super::workbook::SheetRead;
use super::workbook::{self, Sheet, SheetCell};
use super::{Cell, RowMapper, RowOptions};
use crate::error::{Error, FieldError};
use crate::model::AddCustomerRequest;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Jsonl,
    /// `.xlsx`, `.xlsm`, `.xls`, `.ods` (one sheet of it).
    Workbook,
}

impl Format {
    /// From the extension: `.csv` (and `.txt`/`.tsv`, as Excel saves
    /// "Unicode text"), `.jsonl`/`.ndjson`, `.xlsx`/`.xlsm`/`.xls`/`.ods`.
    pub fn guess(path: &Path) -> Option<Format> {
        if workbook::has_workbook_extension(path) {
            return Some(Format::Workbook);
        }
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "csv" | "tsv" | "txt" => Some(Format::Csv),
            "jsonl" | "ndjson" => Some(Format::Jsonl),
            _ => None,
        }
    }

    /// The format of the file at `path`: a workbook whatever its name or
    /// the format given (its first bytes are a ZIP's or an OLE2's: a
    /// workbook saved under another name), else `given`, else by extension.
    pub fn of_file(path: &Path, given: Option<Format>) -> Option<Format> {
        let mut head = [0u8; 8];
        let read = std::fs::File::open(path)
            .and_then(|mut f| {
                let mut n = 0;
                while n < head.len() {
                    match f.read(&mut head[n..])? {
                        0 => break,
                        k => n += k,
                    }
                }
                Ok(n)
            })
            .unwrap_or(0);
        if workbook::looks_like_workbook(&head[..read]) {
            return Some(Format::Workbook);
        }
        given.or_else(|| Format::guess(path))
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
    /// Entirely empty rows skipped so far.
    pub blank: u64,
    /// For a workbook: which sheet was read, and where its header is.
    pub sheet: Option<SheetRead>,
}

/// Any byte source: a file, or bytes in memory (tests and fuzzing).
pub(super) type Source = Box<dyn Read + Send>;

enum Inner {
    Csv(csv::Reader<Source>, Box<RowMapper>),
    Jsonl(BufReader<Source>),
    Sheet(Box<SheetRows>, Box<RowMapper>),
}

/// A sheet's data rows: the rows after the header, by their place in the
/// sheet's used range.
struct SheetRows {
    sheet: Sheet,
    next: usize,
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

pub(super) fn csv_reader(source: Source, dialect: &Dialect) -> csv::Reader<Source> {
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
        Self::open_as(path, &path.display().to_string(), format, dialect, options)
    }

    /// [`Rows::open`] of `source` (the file itself, or a path to it that
    /// was locked), named `name` in errors.
    pub fn open_as(
        source: &Path,
        name: &str,
        format: Format,
        dialect: &Dialect,
        options: &RowOptions,
    ) -> Result<Rows, String> {
        match format {
            Format::Workbook => {
                let sheet = Sheet::open_as(source, name, options.sheet.as_deref())?;
                Self::from_sheet(sheet, name, options)
            }
            _ => Self::from_reader(dialect.reader(source)?, name, format, dialect, options),
        }
    }

    /// The rows of a workbook's sheet.
    pub fn from_sheet(sheet: Sheet, name: &str, options: &RowOptions) -> Result<Rows, String> {
        let (headers, read) = sheet
            .header(options.header_row, options)
            .map_err(|e| format!("{name}: {e}"))?;
        let mapper = RowMapper::new(&headers, options).map_err(|e| header_problems(&e))?;
        let header_row = read.header_row;
        let next = sheet.index_of(header_row + 1);
        Ok(Rows {
            inner: Inner::Sheet(Box::new(SheetRows { sheet, next }), Box::new(mapper)),
            next_number: header_row + 1,
            headers,
            blank: 0,
            sheet: Some(read),
        })
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
                sheet: None,
            }),
            Format::Workbook => {
                let mut bytes = Vec::new();
                let mut file = file;
                file.read_to_end(&mut bytes)
                    .map_err(|e| format!("{name}: {e}"))?;
                Self::from_sheet(
                    Sheet::from_bytes(bytes, name, options.sheet.as_deref())?,
                    name,
                    options,
                )
            }
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
                    sheet: None,
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
    format!(
        "{lines}\n(rename a column with --map 'Header=field', e.g. --map 'Mobile No=phone'; \
         skip one with --ignore 'Header')"
    )
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
            Inner::Sheet(rows, mapper) => loop {
                let (at, cells) = rows.sheet.row(rows.next)?;
                rows.next += 1;
                if cells.iter().all(SheetCell::is_blank) {
                    // A spacer or a cleared row: counted, never sent.
                    self.blank += 1;
                    continue;
                }
                number = at;
                self.next_number = at;
                let texts: Vec<String> = cells.iter().map(SheetCell::text).collect();
                let hash = sheet_hash(&texts);
                let request = mapper.request(cells.iter().map(SheetCell::cell).collect());
                break Row {
                    number,
                    hash,
                    request,
                    cells: texts,
                };
            },
        };
        self.next_number += 1;
        Some(Ok(row))
    }
}

/// A sheet row's hash: its cells' text, as a CSV row's is its cells'.
pub(super) fn sheet_hash(texts: &[String]) -> u64 {
    let parts: Vec<&[u8]> = texts.iter().map(String::as_bytes).collect();
    fnv(&parts)
}

/// Issue 9, case 7: a row that is not UTF-8 fails on its own, saying where.
pub(super) fn not_utf8(at: usize, column: Option<&str>) -> String {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rows::scan::scan;

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
            let scanned = scan(&path, name, format, &dialect, &RowOptions::default()).unwrap();
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
