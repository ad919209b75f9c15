//! A file's rows read without mapping them ([`scan`]) and counted
//! ([`count_rows`]): what resume's check, the journal's fingerprint and the
//! progress bar need, numbered and hashed exactly as [`Rows`](super::file::Rows) does.

use std::io::{BufRead, BufReader};
use std::path::Path;

use super::RowOptions;
use super::dialect::Dialect;
use super::file::{Format, csv_reader, fnv, sheet_hash};
use super::workbook::{Sheet, SheetCell};

/// A file's rows read without mapping them: the header row and each data
/// row's hash by row number (`None` for an entirely empty CSV row), numbered
/// and hashed exactly as [`Rows`](super::file::Rows) does. What resume checks, the journal's
/// fingerprint and the progress bar need, in one pass that builds no
/// request.
pub struct Scan {
    pub headers: Vec<String>,
    pub hashes: Vec<Option<u64>>,
    /// The header's row number in a workbook's sheet (the hashes of it and
    /// the rows above are `None`); 0 for CSV and JSON lines.
    pub header_row: u64,
    /// The workbook's sheet that was read (`None`: not a workbook).
    pub sheet: Option<String>,
}

impl Scan {
    /// The rows after the header, blank ones included.
    pub fn data_rows(&self) -> u64 {
        (self.hashes.len() as u64).saturating_sub(self.header_row)
    }

    /// The first data row's hash.
    pub fn first(&self) -> Option<u64> {
        self.hashes.iter().flatten().next().copied()
    }
}

/// [`Scan`] of `source`; `name` is how errors refer to it. A workbook's
/// sheet is the one `options` choose, its rows numbered as the sheet's
/// (the hashes of the header row and those above it are `None`).
pub fn scan(
    source: &Path,
    name: &str,
    format: Format,
    dialect: &Dialect,
    options: &RowOptions,
) -> Result<Scan, String> {
    let file = dialect.reader(source)?;
    let mut hashes = Vec::new();
    match format {
        Format::Workbook => scan_sheet(source, name, options),
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
                    Ok(false) => {
                        return Ok(Scan {
                            headers,
                            hashes,
                            header_row: 0,
                            sheet: None,
                        });
                    }
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
                            header_row: 0,
                            sheet: None,
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

/// [`scan`] of a workbook's sheet.
fn scan_sheet(source: &Path, name: &str, options: &RowOptions) -> Result<Scan, String> {
    let sheet = Sheet::open_as(source, name, options.sheet.as_deref())?;
    let header_row = sheet
        .header_row(options.header_row, options)
        .map_err(|e| format!("{name}: {e}"))?;
    let mut headers = Vec::new();
    let mut hashes = Vec::new();
    for (number, cells) in sheet.rows() {
        if number == header_row {
            headers = cells.iter().map(SheetCell::text).collect();
        }
        while (hashes.len() as u64) < number - 1 {
            hashes.push(None);
        }
        let blank = cells.iter().all(SheetCell::is_blank);
        hashes.push(
            (number > header_row && !blank)
                .then(|| sheet_hash(&cells.iter().map(SheetCell::text).collect::<Vec<_>>())),
        );
    }
    Ok(Scan {
        headers,
        hashes,
        header_row,
        sheet: Some(sheet.name),
    })
}

/// Data rows of a file: CSV records (a cell may hold newlines) less the
/// header, or non-blank JSON lines. Sizes the duplicate table and the
/// progress bar; `None` if the file cannot be read.
pub fn count_rows(
    path: &Path,
    format: Format,
    dialect: &Dialect,
    options: &RowOptions,
) -> Option<u64> {
    let source = dialect.reader(path).ok()?;
    match format {
        Format::Workbook => {
            let scanned = scan_sheet(path, "", options).ok()?;
            Some(scanned.data_rows())
        }
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
