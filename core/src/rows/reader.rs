//! A file's rows as they are, unmapped: what Python's `read_rows` and
//! Node's `readRows` yield (a mapping of header -> cell value, with the
//! sheet and the row number), read by the same code as `kapture import`:
//! CSV in every dialect it reads, JSON lines, and workbooks.
//!
//! Row numbers are the journal's: a CSV's data rows from 1 (the first row
//! after the header), a workbook's rows as the sheet numbers them. Blank
//! rows are yielded too (every value empty): a bulk run gives them an
//! outcome of their own, so nothing is dropped and results stay one per
//! row, in order.

use std::io::{BufRead, BufReader};
use std::path::Path;

use serde_json::Value;

use super::RowOptions;
use super::dialect::Dialect;
use super::file::{Format, SheetRead, Source, csv_reader};
use super::workbook::{Sheet, SheetCell};
use crate::error::{Error, FieldError};

/// Why a file could not be read: the file itself (not found, not
/// readable), or what is in it (its header, its format).
#[derive(Debug)]
pub enum ReadError {
    Io {
        path: String,
        kind: std::io::ErrorKind,
        message: String,
    },
    Invalid(Error),
}

impl std::fmt::Display for ReadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadError::Io { path, message, .. } => write!(f, "{path}: {message}"),
            ReadError::Invalid(error) => write!(f, "{error}"),
        }
    }
}

fn invalid(path: &str, message: impl Into<String>) -> ReadError {
    ReadError::Invalid(Error::Validation(vec![FieldError::new(path, message)]))
}

/// One row as read.
#[derive(Debug, Clone, PartialEq)]
pub struct RawRow {
    pub number: u64,
    pub cells: RawCells,
}

/// A row's values: one per header (CSV, workbooks), or a JSON line's
/// object.
#[derive(Debug, Clone, PartialEq)]
pub enum RawCells {
    Columns(Vec<SheetCell>),
    Json(Value),
}

/// The rows of a file, in order.
pub struct RawRows {
    /// The header row; for JSON lines, empty.
    pub headers: Vec<String>,
    /// The sheet read, for a workbook.
    pub sheet: Option<SheetRead>,
    inner: Inner,
}

enum Inner {
    Csv {
        reader: csv::Reader<Source>,
        width: usize,
        next: u64,
    },
    Jsonl {
        reader: BufReader<Source>,
        next: u64,
    },
    Sheet {
        sheet: Box<Sheet>,
        next: usize,
    },
}

/// Opens `path` for reading rows: its format from its first bytes and its
/// extension, a CSV's dialect sniffed, a workbook's sheet and header row
/// from `options` (`sheet`, `header_row`) or found.
pub fn read(path: &Path, options: &RowOptions) -> Result<RawRows, ReadError> {
    let name = path.display().to_string();
    let io = |e: std::io::Error| ReadError::Io {
        path: name.clone(),
        kind: e.kind(),
        message: e.to_string(),
    };
    std::fs::metadata(path).map_err(io)?;
    let format = Format::of_file(path, None).ok_or_else(|| {
        invalid(
            "path",
            format!(
                "{name}: cannot tell the format from the extension: expected .csv, .tsv, \
                 .txt, .jsonl, .ndjson, .xlsx, .xlsm, .xls or .ods"
            ),
        )
    })?;
    if format != Format::Workbook && (options.sheet.is_some() || options.header_row.is_some()) {
        return Err(invalid(
            "sheet",
            format!("{name}: sheet and header_row are for workbooks (.xlsx, .xlsm, .xls, .ods)"),
        ));
    }
    match format {
        Format::Workbook => {
            let sheet =
                Sheet::open(path, options.sheet.as_deref()).map_err(|e| invalid("sheet", e))?;
            let (headers, read) = sheet
                .header(options.header_row, options)
                .map_err(|e| invalid("header_row", format!("{name}: {e}")))?;
            check_headers(&headers, &name)?;
            let next = sheet.index_of(read.header_row + 1);
            Ok(RawRows {
                headers,
                sheet: Some(read),
                inner: Inner::Sheet {
                    sheet: Box::new(sheet),
                    next,
                },
            })
        }
        Format::Csv => {
            let dialect = Dialect::detect(path, None, None).map_err(|e| invalid("path", e))?;
            let source = dialect.reader(path).map_err(|e| invalid("path", e))?;
            let mut reader = csv_reader(source, &dialect);
            let headers: Vec<String> = reader
                .headers()
                .map_err(|e| invalid("path", format!("{name}: cannot read the header row: {e}")))?
                .iter()
                .map(str::to_string)
                .collect();
            check_headers(&headers, &name)?;
            let width = headers.len();
            Ok(RawRows {
                headers,
                sheet: None,
                inner: Inner::Csv {
                    reader,
                    width,
                    next: 1,
                },
            })
        }
        Format::Jsonl => {
            let source = Dialect::default()
                .reader(path)
                .map_err(|e| invalid("path", e))?;
            Ok(RawRows {
                headers: Vec::new(),
                sheet: None,
                inner: Inner::Jsonl {
                    reader: BufReader::new(source),
                    next: 1,
                },
            })
        }
    }
}

/// Two columns under one header would be one key of a row's mapping, and
/// one of them lost: refused before any row is read.
fn check_headers(headers: &[String], name: &str) -> Result<(), ReadError> {
    for (i, header) in headers.iter().enumerate() {
        let trimmed = super::trim(header);
        if trimmed.is_empty() {
            continue;
        }
        if let Some(j) = headers[..i].iter().position(|h| super::trim(h) == trimmed) {
            return Err(invalid(
                header,
                format!(
                    "{name}: columns {} and {} are both headed {trimmed:?}; rename one (a row \
                     is a mapping of header -> value)",
                    j + 1,
                    i + 1
                ),
            ));
        }
    }
    Ok(())
}

impl Iterator for RawRows {
    type Item = Result<RawRow, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.inner {
            Inner::Sheet { sheet, next } => {
                let (number, mut cells) = sheet.row(*next)?;
                *next += 1;
                cells.resize(self.headers.len().max(cells.len()), SheetCell::Empty);
                Some(Ok(RawRow {
                    number,
                    cells: RawCells::Columns(cells),
                }))
            }
            Inner::Csv {
                reader,
                width,
                next,
            } => {
                let number = *next;
                let mut record = csv::ByteRecord::new();
                match reader.read_byte_record(&mut record) {
                    Ok(false) => return None,
                    Ok(true) => {}
                    Err(e) => return Some(Err(invalid("", format!("row {number}: {e}")))),
                }
                *next += 1;
                let mut cells: Vec<SheetCell> = record
                    .iter()
                    .enumerate()
                    .map(|(i, bytes)| match std::str::from_utf8(bytes) {
                        Ok("") => SheetCell::Empty,
                        Ok(text) => SheetCell::Text(text.to_string()),
                        Err(e) => SheetCell::Invalid {
                            text: String::from_utf8_lossy(bytes).into_owned(),
                            message: super::file::not_utf8(
                                e.valid_up_to(),
                                self.headers.get(i).map(String::as_str),
                            ),
                        },
                    })
                    .collect();
                if cells.len() != *width {
                    let message = format!(
                        "row {number} has {} fields, the header has {width}",
                        cells.len()
                    );
                    let first = cells.first().map(SheetCell::text).unwrap_or_default();
                    cells.resize(*width, SheetCell::Empty);
                    if let Some(cell) = cells.first_mut() {
                        *cell = SheetCell::Invalid {
                            text: first,
                            message,
                        };
                    }
                }
                Some(Ok(RawRow {
                    number,
                    cells: RawCells::Columns(cells),
                }))
            }
            Inner::Jsonl { reader, next } => loop {
                let number = *next;
                let mut bytes = Vec::new();
                match reader.read_until(b'\n', &mut bytes) {
                    Ok(0) => return None,
                    Ok(_) => {}
                    Err(e) => return Some(Err(invalid("", format!("line {number}: {e}")))),
                }
                if bytes.trim_ascii().is_empty() {
                    continue;
                }
                *next += 1;
                let value = match serde_json::from_slice::<Value>(&bytes) {
                    Ok(value) => value,
                    Err(e) => {
                        return Some(Err(invalid(
                            "",
                            format!("line {number}: not JSON ({e}); each line holds one request"),
                        )));
                    }
                };
                return Some(Ok(RawRow {
                    number,
                    cells: RawCells::Json(value),
                }));
            },
        }
    }
}
