//! Importing a failures file (`customers.failed.csv`, fixed by hand): its
//! rows are the original's rows, so they are journaled in the original's
//! journal, as the row its `row` column names, with the original row's
//! hash. Resuming the original afterwards skips what they added, and
//! importing the failures file again skips it too: each row reaches the CRM
//! once, whichever recovery path is taken, in any order.
//!
//! A file is the failures file of `customers.csv` when it is named
//! `customers.failed.csv` (what `crate::failures` writes), ends with the
//! `row` and `error` columns, and `customers.csv` is beside it with the
//! same other columns. The failures of such an import go to
//! `customers.failed.failed.csv`, whose `row` column still names the
//! original's rows (and which resolves to the same original).

use std::path::{Path, PathBuf};

use crate::journal::State;
use crate::problem::Problem;
use crate::refused;
use crate::rows::{Format, Row};
use kapture_crm::rows::RowOptions;

/// The original of a failures file, and how to read its rows as the
/// original's.
pub struct FailuresOf {
    pub original: PathBuf,
    /// The failures file's name, journaled with the rows sent from it.
    pub via: String,
    row_column: usize,
    error_column: usize,
    /// The original's row hashes (index = row - 1), once read.
    pub hashes: Vec<Option<u64>>,
    /// How the original is read: CSV, or a workbook's sheet.
    pub format: Format,
    pub sheet: Option<String>,
}

/// Extensions an original may have (the failures file is always CSV).
const ORIGINALS: [&str; 3] = ["csv", "tsv", "txt"];
/// Extensions of a workbook original: its failures file is
/// `STEM.SHEET.failed.csv`.
const WORKBOOKS: [&str; 4] = ["xlsx", "xlsm", "xls", "ods"];

/// The original `failures` was written for, if it is a failures file and
/// its original is beside it; an error if two files could be.
pub fn original_of(failures: &Path, headers: &[String]) -> Result<Option<FailuresOf>, Problem> {
    let Some(name) = failures.file_name().and_then(|n| n.to_str()) else {
        return Ok(None);
    };
    let Some(stem) = name.strip_suffix(".failed.csv") else {
        return Ok(None);
    };
    let n = headers.len();
    if n < 2 || headers[n - 2] != "row" || headers[n - 1] != "error" {
        return Ok(None);
    }
    let data = &headers[..n - 2];
    let mut found: Vec<(PathBuf, Option<String>)> = Vec::new();
    if let Some((book, sheet)) = stem.rsplit_once('.') {
        for ext in WORKBOOKS {
            let candidate = failures.with_file_name(format!("{book}.{ext}"));
            if !candidate.is_file() {
                continue;
            }
            let options = RowOptions {
                sheet: Some(sheet.to_string()),
                ..RowOptions::default()
            };
            let scanned = crate::rows::scan(
                &candidate,
                &candidate.display().to_string(),
                Format::Workbook,
                &crate::dialect::Dialect::default(),
                &options,
            );
            if let Ok(scanned) = scanned
                && scanned
                    .sheet
                    .as_deref()
                    .map(crate::journal::file_part)
                    .as_deref()
                    == Some(sheet)
                && scanned.headers == data
            {
                found.push((candidate, scanned.sheet));
            }
        }
    }
    for ext in ORIGINALS {
        let candidate = failures.with_file_name(format!("{stem}.{ext}"));
        if candidate == failures || !candidate.is_file() {
            continue;
        }
        // The chain of failures files ends at the original.
        if candidate.to_string_lossy().ends_with(".failed.csv") {
            if let Some(up) =
                headers_of(&candidate).and_then(|h| original_of(&candidate, &h).ok().flatten())
            {
                found.push((up.original, up.sheet));
            }
            continue;
        }
        if headers_of(&candidate).is_some_and(|h| h == data) {
            found.push((candidate, None));
        }
    }
    found.dedup();
    match found.len() {
        0 => Ok(None),
        1 => {
            let (original, sheet) = found.remove(0);
            Ok(Some(FailuresOf {
                format: if sheet.is_some() {
                    Format::Workbook
                } else {
                    Format::Csv
                },
                original,
                sheet,
                via: name.to_string(),
                row_column: n - 2,
                error_column: n - 1,
                hashes: Vec::new(),
            }))
        }
        _ => Err(refused!(
            "{} could be the failures file of {} or of {}; nothing was sent. Rename the one \
             it is not from, and run again.",
            failures.display(),
            found[0].0.display(),
            found[1].0.display()
        )),
    }
}

/// A CSV file's header row, in its own dialect (encoding, delimiter).
fn headers_of(path: &Path) -> Option<Vec<String>> {
    let dialect = crate::dialect::Dialect::detect(path, None, None).ok()?;
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(dialect.delimiter)
        .flexible(true)
        .from_reader(dialect.reader(path).ok()?);
    Some(reader.headers().ok()?.iter().map(str::to_string).collect())
}

/// A failures file's row whose `row` cell names no row of the original.
pub struct Unmatched {
    /// Its number in the failures file.
    pub number: u64,
    pub cells: Vec<String>,
    pub why: String,
}

impl FailuresOf {
    /// The columns that are data (less `row` and `error`).
    pub fn data_headers(&self, headers: &[String]) -> Vec<String> {
        self.data_cells(headers.to_vec())
    }

    fn data_cells(&self, cells: Vec<String>) -> Vec<String> {
        cells
            .into_iter()
            .enumerate()
            .filter(|(i, _)| *i != self.row_column && *i != self.error_column)
            .map(|(_, c)| c)
            .collect()
    }

    /// A row of the failures file as the original's row it fixes: that
    /// row's number and hash, and the cells less `row` and `error`.
    pub fn translate(&self, row: Row) -> Result<Row, Unmatched> {
        let said = row.cells.get(self.row_column).map(|c| c.trim().to_string());
        let number = said.as_deref().and_then(|c| c.parse::<u64>().ok());
        let hash = number
            .and_then(|n| usize::try_from(n).ok()?.checked_sub(1))
            .and_then(|i| self.hashes.get(i).copied().flatten());
        match (number, hash) {
            (Some(number), Some(hash)) => Ok(Row {
                number,
                hash,
                request: row.request,
                cells: self.data_cells(row.cells),
            }),
            _ => {
                let why = format!(
                    "the row column says {:?}, which is not a row of {}; not sent",
                    said.unwrap_or_default(),
                    self.original.display()
                );
                Err(Unmatched {
                    number: row.number,
                    cells: self.data_cells(row.cells),
                    why,
                })
            }
        }
    }
}

/// Refuses to replace a failures file that holds edits not yet imported: a
/// run of the original removes its earlier failures file, and a fix made
/// there by hand (the README's recovery path) would be lost, the row sent
/// as the original has it. An edited row already added or of unknown
/// outcome (imported from the failures file, say) is not sent again, so
/// nothing is lost with it. A failures file whose rows are as kapture wrote
/// them is this run's to replace; one that is not kapture's is refused.
pub fn refuse_replacing_edits(
    original: &Path,
    sheet: Option<&str>,
    format: crate::rows::Format,
    dialect: &crate::dialect::Dialect,
    original_rows: crate::rows::Rows,
    past: &crate::journal::Past,
) -> Result<(), Problem> {
    let failures = crate::failures::failures_path(original, sheet);
    match std::fs::symlink_metadata(&failures) {
        Ok(meta) if meta.is_file() => {}
        // Nothing there, or a link (removed, never followed).
        _ => return Ok(()),
    }
    let not_ours = || {
        refused!(
            "{} is not a failures file kapture wrote for {} (its columns differ); nothing was \
             sent. Move it away: this run writes its failures there.",
            failures.display(),
            original.display()
        )
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(dialect.delimiter)
        .flexible(true)
        .from_reader(dialect.reader(&failures).map_err(Problem::Input)?);
    let headers: Vec<String> = reader
        .headers()
        .map_err(|_| not_ours())?
        .iter()
        .map(str::to_string)
        .collect();
    let jsonl = match format {
        crate::rows::Format::Csv | crate::rows::Format::Workbook => {
            let n = original_rows.headers.len();
            if headers.len() != n + 2
                || headers[..n] != original_rows.headers[..]
                || headers[n] != "row"
                || headers[n + 1] != "error"
            {
                return Err(not_ours());
            }
            false
        }
        crate::rows::Format::Jsonl => {
            if headers != ["row", "json", "error"] {
                return Err(not_ours());
            }
            true
        }
    };
    let mut written: std::collections::HashMap<u64, Vec<String>> = Default::default();
    let mut edited = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|_| not_ours())?;
        let cells: Vec<String> = record.iter().map(str::to_string).collect();
        // CSV: the cells, then `row` and `error` (a row longer than the
        // header keeps every cell); JSON lines: `row`, `json`, `error`.
        let (number, data) = match (jsonl, cells.len()) {
            (true, 3) => (cells[0].clone(), vec![cells[1].clone()]),
            (false, len) if len >= 2 => (cells[len - 2].clone(), cells[..len - 2].to_vec()),
            _ => return Err(not_ours()),
        };
        match number.trim().parse::<u64>() {
            Ok(number) => {
                written.insert(number, data);
            }
            Err(_) => edited.push(format!("line {}", i + 2)),
        }
    }
    let width = original_rows.headers.len();
    for row in original_rows {
        let Ok(row) = row else { continue };
        if let Some(cells) = written.remove(&row.number) {
            // Padded to the header, as the failures file writes it.
            let mut theirs = row.cells;
            theirs.resize(width.max(theirs.len()), String::new());
            let settled = matches!(
                past.get(row.number),
                Some((_, State::Added | State::Unknown | State::Sending))
            );
            if theirs != cells && !settled {
                edited.push(format!("row {}", row.number));
            }
        }
    }
    edited.extend(written.keys().map(|n| format!("row {n}")));
    if edited.is_empty() {
        return Ok(());
    }
    edited.truncate(5);
    Err(refused!(
        "{} was changed since kapture wrote it ({}: your fixes?); nothing was sent. Import it \
         first (`kapture import {}`): its rows are journaled as {}'s, so running this file \
         again then skips them. Or move it away to send those rows as {} has them.",
        failures.display(),
        edited.join(", "),
        failures.display(),
        original.display(),
        original.display()
    ))
}
