//! Workbooks (`.xlsx`, `.xlsm`, `.xls`, `.ods`) through calamine: one
//! sheet's cells as rows, for the same mapper as CSV.
//!
//! A cell is read as its type says, never as text Excel would display:
//! text as text; a whole number (a phone or pincode stored as a number) as
//! an integer, so its digits come out and never `9822012345.0`; another
//! number as a number (a text field refuses it, as for CSV); a date or
//! date-time cell as a calendar date in the workbook's date system (1900 or
//! 1904); a formula by the value Excel last computed; an error cell
//! (`#N/A`) fails its row alone, naming the cell (`C7`).
//!
//! The header row is found: the first row in which at least two cells name
//! documented fields or aliases (or a column the options rename or ignore);
//! title and blank rows above it are skipped. `header_row` forces it. Rows
//! are numbered as the workbook numbers them (the header row 3: the first
//! data row is 4), in messages, journals and failures files.

use std::io::Cursor;
use std::path::Path;

use calamine::{Data, Range, Reader, Sheets};
use serde_json::{Number, Value};

use super::headers::{is_serial_number, resolve};
use super::{Cell, DateTime, RowOptions, trim};

/// The signatures of workbook files: ZIP (`.xlsx`, `.xlsm`, `.ods`) and
/// OLE2 (`.xls`).
const SIGNATURES: [&[u8]; 2] = [b"PK\x03\x04", b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"];

/// True when `sample` (a file's first bytes) is a workbook's.
pub fn looks_like_workbook(sample: &[u8]) -> bool {
    SIGNATURES.iter().any(|s| sample.starts_with(s))
}

/// True when a file's extension is a workbook's.
pub fn has_workbook_extension(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| {
        matches!(
            e.to_ascii_lowercase().as_str(),
            "xlsx" | "xlsm" | "xls" | "ods"
        )
    })
}

/// The sheet of a workbook that was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetRead {
    pub name: String,
    /// 1 = the first sheet.
    pub position: usize,
    /// Every sheet's name, in order.
    pub names: Vec<String>,
    /// The header's row number in the sheet (rows above it are skipped).
    pub header_row: u64,
    /// `sheet "Customers" (1 of 2; ...)`.
    pub description: String,
}

/// One sheet of a workbook, read.
pub struct Sheet {
    /// The sheet's name as the workbook has it.
    pub name: String,
    /// Its position, 1 = the first sheet.
    pub position: usize,
    /// Every sheet's name, in order.
    pub names: Vec<String>,
    range: Range<Data>,
}

impl std::fmt::Debug for Sheet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sheet")
            .field("name", &self.name)
            .field("position", &self.position)
            .field("names", &self.names)
            .finish_non_exhaustive()
    }
}

impl Sheet {
    /// The sheet `choice` names (a name, or a position from 1) of the
    /// workbook at `path`, or its first sheet.
    pub fn open(path: &Path, choice: Option<&str>) -> Result<Sheet, String> {
        Self::open_as(path, &path.display().to_string(), choice)
    }

    /// [`Sheet::open`], naming the file `name` in errors.
    pub fn open_as(path: &Path, name: &str, choice: Option<&str>) -> Result<Sheet, String> {
        let bytes = std::fs::read(path).map_err(|e| format!("{name}: {e}"))?;
        Self::from_bytes(bytes, name, choice)
    }

    /// [`Sheet::open`] of a workbook in memory; `name` is how errors refer
    /// to it.
    pub fn from_bytes(bytes: Vec<u8>, name: &str, choice: Option<&str>) -> Result<Sheet, String> {
        let mut book = calamine::open_workbook_auto_from_rs(Cursor::new(bytes)).map_err(|e| {
            format!("{name}: not a workbook kapture can read (.xlsx, .xlsm, .xls, .ods): {e}")
        })?;
        let names = book.sheet_names();
        let position = pick(&names, choice).map_err(|e| format!("{name}: {e}"))?;
        let sheet_name = names[position].clone();
        let range = worksheet(&mut book, &sheet_name)
            .map_err(|e| format!("{name}: sheet {sheet_name:?}: {e}"))?;
        Ok(Sheet {
            name: sheet_name,
            position: position + 1,
            names,
            range,
        })
    }

    /// What was read, for the summary: `sheet "Customers" (1 of 2)`.
    pub fn describe(&self) -> String {
        let others = self.names.len() - 1;
        match others {
            0 => format!("sheet {:?}", self.name),
            n => format!(
                "sheet {:?} ({} of {}; --sheet chooses another: {})",
                self.name,
                self.position,
                n + 1,
                self.names
                    .iter()
                    .filter(|s| **s != self.name)
                    .map(|s| format!("{s:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }

    /// The sheet's rows from the workbook's row 1, each with its number
    /// there; rows above the used range are blank.
    pub fn rows(&self) -> impl Iterator<Item = (u64, Vec<SheetCell>)> + '_ {
        (0..self.range.height()).filter_map(|index| self.row(index))
    }

    /// The row at `index` of the used range, with its number in the sheet
    /// (each cell looked up where it is: reading row after row stays
    /// linear).
    pub fn row(&self, index: usize) -> Option<(u64, Vec<SheetCell>)> {
        if index >= self.range.height() {
            return None;
        }
        let (top, left) = self.range.start().unwrap_or((0, 0));
        let number = u64::from(top) + index as u64 + 1;
        let cells = std::iter::repeat_n(SheetCell::Empty, left as usize)
            .chain((0..self.range.width()).map(|j| {
                self.range.get((index, j)).map_or(SheetCell::Empty, |data| {
                    SheetCell::of(data, number, u64::from(left) + j as u64)
                })
            }))
            .collect();
        Some((number, cells))
    }

    /// The index in the used range of the row numbered `number`.
    pub fn index_of(&self, number: u64) -> usize {
        let top = self.range.start().map_or(0, |(row, _)| u64::from(row));
        usize::try_from(number.saturating_sub(top + 1)).unwrap_or(usize::MAX)
    }

    /// The cells of the row numbered `number`.
    pub fn row_at(&self, number: u64) -> Option<Vec<SheetCell>> {
        self.row(self.index_of(number)).map(|(_, cells)| cells)
    }

    /// The header row's cells as text, and what was read (the sheet, where
    /// its header is): [`Sheet::header_row`] and its cells.
    pub fn header(
        &self,
        header_row: Option<u64>,
        options: &RowOptions,
    ) -> Result<(Vec<String>, SheetRead), String> {
        let header_row = self.header_row(header_row, options)?;
        let headers = self
            .row_at(header_row)
            .map(|cells| cells.iter().map(SheetCell::text).collect())
            .unwrap_or_default();
        let read = SheetRead {
            name: self.name.clone(),
            position: self.position,
            names: self.names.clone(),
            header_row,
            description: self.describe(),
        };
        Ok((headers, read))
    }

    /// The number of the header row: `header_row` if given (checked to be
    /// in the sheet), else the first row in which at least two cells name
    /// a column the mapper knows, else the first row that is not blank.
    pub fn header_row(&self, header_row: Option<u64>, options: &RowOptions) -> Result<u64, String> {
        let last = self.range.end().map_or(0, |(row, _)| u64::from(row) + 1);
        if let Some(n) = header_row {
            if n == 0 || n > last {
                return Err(format!(
                    "header row {n}: the sheet {:?} has rows 1 to {last}",
                    self.name
                ));
            }
            return Ok(n);
        }
        let mut first_filled = None;
        for (number, cells) in self.rows() {
            let texts: Vec<String> = cells.iter().map(SheetCell::text).collect();
            if first_filled.is_none() && texts.iter().any(|t| !trim(t).is_empty()) {
                first_filled = Some(number);
            }
            if texts.iter().filter(|t| names_a_column(t, options)).count() >= 2 {
                return Ok(number);
            }
        }
        first_filled.ok_or_else(|| format!("the sheet {:?} is empty", self.name))
    }
}

/// The position of the sheet `choice` names: a sheet's name (exactly, then
/// ignoring case), else a number from 1.
fn pick(names: &[String], choice: Option<&str>) -> Result<usize, String> {
    if names.is_empty() {
        return Err("the workbook has no sheet".into());
    }
    let Some(choice) = choice else { return Ok(0) };
    let choice_trimmed = choice.trim();
    if let Some(i) = names.iter().position(|n| n == choice) {
        return Ok(i);
    }
    if let Some(i) = names
        .iter()
        .position(|n| n.trim().eq_ignore_ascii_case(choice_trimmed))
    {
        return Ok(i);
    }
    if let Ok(n) = choice_trimmed.parse::<usize>()
        && (1..=names.len()).contains(&n)
    {
        return Ok(n - 1);
    }
    Err(format!(
        "no sheet {choice:?}; the sheets are {} (give a name or a number from 1 to {})",
        names
            .iter()
            .map(|n| format!("{n:?}"))
            .collect::<Vec<_>>()
            .join(", "),
        names.len()
    ))
}

fn worksheet(
    book: &mut Sheets<Cursor<Vec<u8>>>,
    name: &str,
) -> Result<Range<Data>, calamine::Error> {
    book.worksheet_range(name)
}

/// True when a header cell names a column the mapper would read (or one
/// the options rename or ignore, or a serial-number column).
fn names_a_column(text: &str, options: &RowOptions) -> bool {
    let text = trim(text);
    !text.is_empty()
        && (resolve(text).is_ok()
            || is_serial_number(text)
            || options.columns.iter().any(|(from, _)| trim(from) == text)
            || options.ignore.iter().any(|i| i.eq_ignore_ascii_case(text)))
}

/// One cell of a sheet, as the mapper takes it.
#[derive(Debug, Clone, PartialEq)]
pub enum SheetCell {
    Empty,
    Text(String),
    Integer(i64),
    Number(f64),
    Bool(bool),
    Date(DateTime),
    /// A time of day or a duration, as `h:mm:ss`.
    Time(String),
    /// An error value (`#N/A`) and the cell's name (`C7`).
    Error {
        value: String,
        cell: String,
    },
    /// A cell that cannot be read as it is (a CSV cell that is not UTF-8):
    /// its text as far as it goes, and why its row fails.
    Invalid {
        text: String,
        message: String,
    },
}

impl SheetCell {
    fn of(data: &Data, row: u64, column: u64) -> SheetCell {
        match data {
            Data::Empty => SheetCell::Empty,
            Data::String(text) => SheetCell::Text(text.clone()),
            Data::Int(n) => SheetCell::Integer(*n),
            Data::Float(f) => whole(*f).map_or(SheetCell::Number(*f), SheetCell::Integer),
            Data::Bool(b) => SheetCell::Bool(*b),
            Data::DateTime(dt) if dt.is_datetime() => {
                let (y, mo, d, h, mi, s, _) = dt.to_ymd_hms_milli();
                let time = (h, mi, s) != (0, 0, 0);
                match DateTime::new(
                    i32::from(y),
                    u32::from(mo),
                    u32::from(d),
                    time.then_some((u32::from(h), u32::from(mi), u32::from(s))),
                ) {
                    Some(date) => SheetCell::Date(date),
                    // 1900-02-29, the day Excel's 1900 calendar has and no
                    // other: kept as the number Excel stores.
                    None => SheetCell::Number(dt.as_f64()),
                }
            }
            Data::DateTime(dt) => SheetCell::Time(duration_text(dt.as_f64())),
            Data::DateTimeIso(text) => {
                iso_date(text).map_or(SheetCell::Text(text.clone()), SheetCell::Date)
            }
            Data::DurationIso(text) => SheetCell::Text(text.clone()),
            Data::Error(e) => SheetCell::Error {
                value: e.to_string(),
                cell: cell_name(row, column),
            },
        }
    }

    /// The cell as text: what a failures file writes and a row's hash
    /// reads.
    pub fn text(&self) -> String {
        match self {
            SheetCell::Empty => String::new(),
            SheetCell::Text(text) | SheetCell::Time(text) => text.clone(),
            SheetCell::Invalid { text, .. } => text.clone(),
            SheetCell::Integer(n) => n.to_string(),
            SheetCell::Number(f) => f.to_string(),
            SheetCell::Bool(true) => "TRUE".into(),
            SheetCell::Bool(false) => "FALSE".into(),
            SheetCell::Date(date) => date.vendor_text(true),
            SheetCell::Error { value, .. } => value.clone(),
        }
    }

    /// True for an empty cell or one of only spaces.
    pub fn is_blank(&self) -> bool {
        match self {
            SheetCell::Empty => true,
            SheetCell::Text(text) => trim(text).is_empty(),
            _ => false,
        }
    }

    /// The cell for the row mapper (an error cell fails its row there).
    pub fn cell(&self) -> Cell {
        match self {
            SheetCell::Empty => Cell::Json(Value::Null),
            SheetCell::Text(text) | SheetCell::Time(text) => {
                Cell::Json(Value::String(text.clone()))
            }
            SheetCell::Integer(n) => Cell::Json(Value::Number((*n).into())),
            SheetCell::Number(f) => {
                Cell::Json(Number::from_f64(*f).map_or(Value::Null, Value::Number))
            }
            SheetCell::Bool(b) => Cell::Json(Value::Bool(*b)),
            SheetCell::Date(date) => Cell::Date(*date),
            SheetCell::Error { value, cell } => Cell::Error(cell_error_message(value, cell)),
            SheetCell::Invalid { message, .. } => Cell::Error(message.clone()),
        }
    }
}

/// What an error cell of a row says when the row is mapped.
pub fn cell_error_message(value: &str, cell: &str) -> String {
    format!("cell {cell} holds the error {value}: fix it in the workbook (or clear it)")
}

/// A float that is a whole number an `i64` holds exactly (up to 2^53).
fn whole(f: f64) -> Option<i64> {
    const EXACT: f64 = 9_007_199_254_740_992.0;
    (f.fract() == 0.0 && f.abs() <= EXACT).then_some(f as i64)
}

/// A duration in days as `h:mm:ss`.
fn duration_text(days: f64) -> String {
    let seconds = (days * 86_400.0).round() as i64;
    let sign = if seconds < 0 { "-" } else { "" };
    let seconds = seconds.abs();
    format!(
        "{sign}{}:{:02}:{:02}",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    )
}

/// An ODS date cell's ISO 8601 text (`1990-02-28`, `2026-12-10T09:30:00`).
fn iso_date(text: &str) -> Option<DateTime> {
    let (date, time) = match text.split_once('T') {
        Some((date, time)) => (date, Some(time)),
        None => (text, None),
    };
    let mut parts = date.splitn(3, '-');
    let year = parts.next()?.parse().ok()?;
    let month = parts.next()?.parse().ok()?;
    let day = parts.next()?.parse().ok()?;
    let time = match time {
        None => None,
        Some(time) => {
            let mut parts = time.splitn(3, ':');
            let h: u32 = parts.next()?.parse().ok()?;
            let m: u32 = parts.next()?.parse().ok()?;
            let s: f64 = parts.next().unwrap_or("0").parse().ok()?;
            Some((h, m, s.floor() as u32)).filter(|t| *t != (0, 0, 0))
        }
    };
    DateTime::new(year, month, day, time)
}

/// A cell's name: column letters and row number (`C7`, `AA12`).
pub fn cell_name(row: u64, column: u64) -> String {
    let mut letters = Vec::new();
    let mut n = column + 1;
    while n > 0 {
        let rem = ((n - 1) % 26) as u8;
        letters.push(char::from(b'A' + rem));
        n = (n - 1) / 26;
    }
    letters.iter().rev().collect::<String>() + &row.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_are_named_as_excel_names_them() {
        assert_eq!(cell_name(7, 2), "C7");
        assert_eq!(cell_name(1, 0), "A1");
        assert_eq!(cell_name(12, 26), "AA12");
        assert_eq!(cell_name(3, 701), "ZZ3");
    }

    #[test]
    fn a_whole_number_is_read_as_its_digits() {
        assert_eq!(whole(9_822_012_345.0), Some(9_822_012_345));
        assert_eq!(whole(560_001.5), None);
        assert_eq!(SheetCell::Integer(9_822_012_345).text(), "9822012345");
    }

    #[test]
    fn a_sheet_is_chosen_by_name_or_position() {
        let names = vec!["Customers".to_string(), "Notes".to_string()];
        assert_eq!(pick(&names, None), Ok(0));
        assert_eq!(pick(&names, Some("notes")), Ok(1));
        assert_eq!(pick(&names, Some("2")), Ok(1));
        let err = pick(&names, Some("3")).unwrap_err();
        assert!(err.contains("\"Customers\", \"Notes\""), "{err}");
    }

    #[test]
    fn date_cells_are_read_in_the_workbooks_date_system() {
        use calamine::{ExcelDateTime, ExcelDateTimeType};
        let cell = |serial: f64, is_1904: bool| {
            SheetCell::of(
                &Data::DateTime(ExcelDateTime::new(
                    serial,
                    ExcelDateTimeType::DateTime,
                    is_1904,
                )),
                5,
                5,
            )
        };
        // 1990-02-28 is 32932 in the 1900 system and 31470 in the 1904 one.
        assert_eq!(
            cell(32932.0, false),
            SheetCell::Date(DateTime::new(1990, 2, 28, None).unwrap())
        );
        assert_eq!(
            cell(31470.0, true),
            SheetCell::Date(DateTime::new(1990, 2, 28, None).unwrap())
        );
        // A time of day keeps its minutes; midnight is a plain date.
        assert_eq!(
            cell(46366.395833333336, false),
            SheetCell::Date(DateTime::new(2026, 12, 10, Some((9, 30, 0))).unwrap())
        );
        // A duration (`[h]:mm`) is not a date.
        let duration = SheetCell::of(
            &Data::DateTime(ExcelDateTime::new(1.5, ExcelDateTimeType::TimeDelta, false)),
            1,
            1,
        );
        assert_eq!(duration, SheetCell::Time("36:00:00".into()));
    }

    #[test]
    fn an_error_cell_fails_its_row_naming_the_cell() {
        let cell = SheetCell::of(&Data::Error(calamine::CellErrorType::NA), 7, 2);
        assert_eq!(cell.text(), "#N/A");
        let Cell::Error(error) = cell.cell() else {
            panic!("an error cell maps to an error")
        };
        assert!(error.starts_with("cell C7 holds the error #N/A"), "{error}");
    }

    #[test]
    fn ods_dates_are_read_from_their_iso_text() {
        assert_eq!(iso_date("1990-02-28"), DateTime::new(1990, 2, 28, None));
        assert_eq!(
            iso_date("2026-12-10T09:30:00"),
            DateTime::new(2026, 12, 10, Some((9, 30, 0)))
        );
        assert_eq!(
            iso_date("2026-12-10T00:00:00"),
            DateTime::new(2026, 12, 10, None)
        );
        assert_eq!(iso_date("soon"), None);
    }
}
