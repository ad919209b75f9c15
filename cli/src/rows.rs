//! Reading an input file row by row (CSV or JSON lines) into vendor-shaped
//! JSON requests, streaming: one row in memory at a time.
//!
//! CSV headers are documented `customer_info` field names (`phone`, `city`)
//! or dotted paths (`contact_info.0.first_name`, `enquiry_info.remarks`,
//! `customer_info.additional_fields.budget`); `--map 'Mobile No=phone'`
//! renames a header first. Headers are checked once, before any row: an
//! unknown one stops the run with a suggestion instead of failing every row.

use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use kapture_crm::parse::{closest_field, field_names, is_bool_field, is_object_field};
use serde_json::{Map, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Csv,
    Jsonl,
}

impl Format {
    /// From the extension: `.csv`, `.jsonl`/`.ndjson`.
    pub fn guess(path: &Path) -> Option<Format> {
        match path.extension()?.to_str()?.to_ascii_lowercase().as_str() {
            "csv" => Some(Format::Csv),
            "jsonl" | "ndjson" => Some(Format::Jsonl),
            _ => None,
        }
    }
}

/// One data row: its number (1 = first row after the header), a stable hash
/// of its text (the journal's check that the file did not change), the
/// request built from it (or why it could not be), and its original cells.
pub struct Row {
    pub number: u64,
    pub hash: u64,
    pub request: Result<Value, String>,
    pub cells: Vec<String>,
}

enum Segment {
    Key(String),
    Index(usize),
}

impl Column {
    /// The dotted path it fills: `customer_info.phone`, `contact_info.0.dob`.
    fn target(&self) -> String {
        self.path
            .iter()
            .map(|segment| match segment {
                Segment::Key(key) => key.clone(),
                Segment::Index(index) => index.to_string(),
            })
            .collect::<Vec<_>>()
            .join(".")
    }
}

/// Where a CSV column goes in the request.
struct Column {
    path: Vec<Segment>,
    /// (section, field) for type conversion of the cell.
    section: String,
    field: String,
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
    Csv(csv::Reader<Source>, Vec<Option<Column>>),
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

impl Rows {
    pub fn open(path: &Path, format: Format, renames: &[(String, String)]) -> Result<Rows, String> {
        let file = File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
        Self::from_reader(Box::new(file), &path.display().to_string(), format, renames)
    }

    /// Rows from any source; `name` is how errors refer to it.
    pub fn from_reader(
        file: Source,
        name: &str,
        format: Format,
        renames: &[(String, String)],
    ) -> Result<Rows, String> {
        match format {
            Format::Jsonl => Ok(Rows {
                inner: Inner::Jsonl(BufReader::new(file)),
                next_number: 1,
                headers: vec!["json".into()],
                blank: 0,
            }),
            Format::Csv => {
                let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(file);
                let headers: Vec<String> = reader
                    .headers()
                    .map_err(|e| format!("{name}: cannot read the header row: {e}"))?
                    .iter()
                    .map(str::to_string)
                    .collect();
                let columns = columns(&headers, renames)?;
                Ok(Rows {
                    inner: Inner::Csv(reader, columns),
                    next_number: 1,
                    headers,
                    blank: 0,
                })
            }
        }
    }
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
                    Ok(line) => (
                        line.to_string(),
                        serde_json::from_str::<Value>(line)
                            .map_err(|e| format!("not a JSON object: {e}")),
                    ),
                    Err(e) => (
                        String::from_utf8_lossy(trimmed).into_owned(),
                        Err(not_utf8(e.valid_up_to(), None)),
                    ),
                };
                break Row {
                    number,
                    hash,
                    request,
                    cells: vec![line],
                };
            },
            Inner::Csv(reader, columns) => loop {
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
                    Some(problem) => Err(problem),
                    None => Ok(build(columns, &cells)),
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
        "not valid UTF-8 at byte {}{place}; save the file as \"CSV UTF-8\"",
        at + 1
    )
}

/// Data rows of a file: CSV records (a cell may hold newlines) less the
/// header, or non-blank JSON lines. Sizes the duplicate table and the
/// progress bar; `None` if the file cannot be read.
pub fn count_rows(path: &Path, format: Format) -> Option<u64> {
    let file = File::open(path).ok()?;
    match format {
        Format::Csv => {
            let mut reader = csv::ReaderBuilder::new()
                .flexible(true)
                .has_headers(true)
                .from_reader(file);
            let mut record = csv::ByteRecord::new();
            let mut rows = 0;
            loop {
                match reader.read_byte_record(&mut record) {
                    Ok(true) => rows += 1,
                    Ok(false) => return Some(rows),
                    Err(_) => return Some(rows),
                }
            }
        }
        Format::Jsonl => {
            let mut reader = BufReader::new(file);
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

const SECTIONS: [&str; 3] = ["customer_info", "contact_info", "enquiry_info"];

fn columns(
    headers: &[String],
    renames: &[(String, String)],
) -> Result<Vec<Option<Column>>, String> {
    let mut problems = Vec::new();
    let columns: Vec<Option<Column>> = headers
        .iter()
        .map(|header| {
            let name = renames
                .iter()
                .find(|(from, _)| from == header.trim())
                .map_or(header.trim(), |(_, to)| to.as_str());
            if name.is_empty() || name.eq_ignore_ascii_case("error") {
                return None; // unnamed columns and a failures file's `error` are not data
            }
            match column(name) {
                Ok(column) => Some(column),
                Err(problem) => {
                    problems.push(format!("column {header:?}: {problem}"));
                    None
                }
            }
        })
        .collect();
    // Two columns filling one field: the last would silently win.
    let mut filled: Vec<(String, &String)> = Vec::new();
    for (column, header) in columns.iter().zip(headers) {
        let Some(column) = column else { continue };
        let target = column.target();
        match filled.iter().find(|(t, _)| *t == target) {
            Some((_, first)) => problems.push(format!(
                "columns {first:?} and {header:?} both fill {target}; keep one (or rename one \
                 with --map)"
            )),
            None => filled.push((target, header)),
        }
    }
    if problems.is_empty() {
        Ok(columns)
    } else {
        Err(format!(
            "{}\n(rename a column with --map 'Header=field', e.g. --map 'Mobile No=phone')",
            problems.join("\n")
        ))
    }
}

fn column(name: &str) -> Result<Column, String> {
    let parts: Vec<&str> = name.split('.').collect();
    let (section, rest) = if SECTIONS.contains(&parts[0]) {
        (parts[0], &parts[1..])
    } else {
        ("customer_info", &parts[..])
    };
    let mut path = vec![Segment::Key(section.into())];
    let mut rest = rest;
    if section == "contact_info" {
        let index = rest
            .first()
            .and_then(|i| i.parse::<usize>().ok())
            .ok_or("contact_info columns need an index: contact_info.0.first_name")?;
        path.push(Segment::Index(index));
        rest = &rest[1..];
    }
    let Some((field, inner)) = rest.split_first() else {
        return Err(format!("{name} names a section, not a field"));
    };
    if !field_names(section).contains(field) {
        let hint = closest_field(section, field)
            .map(|s| format!("; did you mean `{s}`?"))
            .unwrap_or_default();
        return Err(format!(
            "`{field}` is not a documented field of {section}{hint}"
        ));
    }
    if !inner.is_empty() && !is_object_field(section, field) {
        return Err(format!("{section}.{field} has no sub-fields"));
    }
    path.push(Segment::Key((*field).to_string()));
    path.extend(inner.iter().map(|k| Segment::Key((*k).to_string())));
    Ok(Column {
        path,
        section: section.into(),
        field: (*field).to_string(),
    })
}

/// The request of one CSV row. Empty cells are left out; true/false fields
/// take true/false/yes/no/1/0; anything else is left as text for the core's
/// validation to judge (and name).
fn build(columns: &[Option<Column>], cells: &[String]) -> Value {
    let mut root = Value::Object(Map::new());
    for (column, cell) in columns.iter().zip(cells) {
        let Some(column) = column else { continue };
        let text = cell.trim();
        if text.is_empty() {
            continue;
        }
        let value = if is_bool_field(&column.section, &column.field) {
            match text.to_ascii_lowercase().as_str() {
                "true" | "yes" | "y" | "1" => Value::Bool(true),
                "false" | "no" | "n" | "0" => Value::Bool(false),
                _ => Value::String(text.into()),
            }
        } else if column.path.len() == 2 && is_object_field(&column.section, &column.field) {
            serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.into()))
        } else {
            Value::String(text.into())
        };
        insert(&mut root, &column.path, value);
    }
    root
}

fn insert(root: &mut Value, path: &[Segment], value: Value) {
    let mut node = root;
    for (i, segment) in path.iter().enumerate() {
        let last = i + 1 == path.len();
        node = match segment {
            Segment::Key(key) => {
                let Value::Object(map) = node else { return };
                if last {
                    map.insert(key.clone(), value);
                    return;
                }
                let next_is_index = matches!(path.get(i + 1), Some(Segment::Index(_)));
                map.entry(key.clone()).or_insert_with(|| {
                    if next_is_index {
                        Value::Array(Vec::new())
                    } else {
                        Value::Object(Map::new())
                    }
                })
            }
            Segment::Index(index) => {
                let Value::Array(items) = node else { return };
                while items.len() <= *index {
                    items.push(Value::Object(Map::new()));
                }
                &mut items[*index]
            }
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(headers: &[&str], cells: &[&str]) -> Value {
        let headers: Vec<String> = headers.iter().map(|s| s.to_string()).collect();
        let columns = columns(&headers, &[("Mobile No".into(), "phone".into())]).unwrap();
        build(
            &columns,
            &cells.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
        )
    }

    #[test]
    fn headers_become_paths() {
        let value = row(
            &[
                "customer_name",
                "Mobile No",
                "individual",
                "contact_info.0.first_name",
                "contact_info.1.first_name",
                "enquiry_info.remarks",
                "customer_info.additional_fields.budget",
                "city",
            ],
            &[
                "Asha",
                "9380491387",
                "yes",
                "A",
                "B",
                "hot lead",
                "5000",
                "",
            ],
        );
        assert_eq!(
            value,
            serde_json::json!({
                "customer_info": {"customer_name": "Asha", "phone": "9380491387", "individual": true,
                                  "additional_fields": {"budget": "5000"}},
                "contact_info": [{"first_name": "A"}, {"first_name": "B"}],
                "enquiry_info": {"remarks": "hot lead"}
            })
        );
    }

    #[test]
    fn unknown_headers_stop_the_run_with_a_hint() {
        let headers: Vec<String> = [
            "customer_name",
            "email",
            "contact_info.first_name",
            "Mobile",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let err = columns(&headers, &[]).err().unwrap();
        assert!(err.contains("column \"email\": `email` is not a documented field of customer_info; did you mean `email_id`?"), "{err}");
        assert!(err.contains("need an index"), "{err}");
        assert!(err.contains("--map"), "{err}");
    }

    #[test]
    fn hash_is_stable() {
        assert_eq!(fnv(&[b"a", b"b"]), fnv(&[b"a", b"b"]));
        assert_ne!(fnv(&[b"ab"]), fnv(&[b"a", b"b"]));
    }
}
