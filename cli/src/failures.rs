//! `FILE.failed.csv`: the rows that failed, with their original cells and
//! `row` and `error` columns, ready to fix and import again (those two
//! columns are not data). Written in the input's dialect (encoding and BOM,
//! delimiter, line endings), so it opens in Excel as the original did.
//! Created on the first failure; an earlier run's file is removed when a
//! run starts. Created new (`O_EXCL`, no link followed): a link or file
//! planted in its place meanwhile is refused, never written through.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::dialect::Dialect;
use crate::problem::Problem;
use crate::rows::Format;

pub struct Failures {
    path: PathBuf,
    file: Option<BufWriter<File>>,
    headers: Vec<String>,
    format: Format,
    dialect: Dialect,
    pub written: u64,
}

pub fn failures_path(input: &Path, sheet: Option<&str>) -> PathBuf {
    let stem = input
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    match sheet {
        // One per sheet, as journals are: `customers.Customers.failed.csv`.
        Some(sheet) => input.with_file_name(format!(
            "{stem}.{}.failed.csv",
            crate::journal::file_part(sheet)
        )),
        None => input.with_file_name(format!("{stem}.failed.csv")),
    }
}

impl Failures {
    /// This run's failures only: an earlier run's file is removed.
    /// A workbook's failures (`sheet` is the sheet read) are a CSV file,
    /// in the dialect given (UTF-8 with a byte-order mark: Excel opens it).
    pub fn start(
        input: &Path,
        sheet: Option<&str>,
        headers: Vec<String>,
        format: Format,
        dialect: Dialect,
    ) -> Failures {
        let path = failures_path(input, sheet);
        let format = match format {
            Format::Workbook => Format::Csv,
            other => other,
        };
        let _ = std::fs::remove_file(&path);
        Failures {
            path,
            file: None,
            headers,
            format,
            dialect,
            written: 0,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// One record in the file's dialect: CSV-quoted as UTF-8, then encoded.
    fn record(&self, fields: &[&str]) -> Result<Vec<u8>, Problem> {
        // Flexible: a row with more cells than the header keeps them all.
        let mut writer = csv::WriterBuilder::new()
            .flexible(true)
            .delimiter(self.dialect.delimiter)
            .terminator(if self.dialect.crlf {
                csv::Terminator::CRLF
            } else {
                csv::Terminator::Any(b'\n')
            })
            .from_writer(Vec::new());
        let to_problem = |e: std::io::Error| Problem::file(&self.path, e);
        writer
            .write_record(fields)
            .map_err(|e| to_problem(e.into()))?;
        let bytes = writer
            .into_inner()
            .map_err(|e| to_problem(e.into_error()))?;
        Ok(self.dialect.encode(&String::from_utf8_lossy(&bytes)))
    }

    pub fn write(&mut self, number: u64, cells: &[String], message: &str) -> Result<(), Problem> {
        let failed = |e: std::io::Error| Problem::file(&self.path, e);
        if self.file.is_none() {
            let header: Vec<&str> = match self.format {
                Format::Csv | Format::Workbook => self
                    .headers
                    .iter()
                    .map(String::as_str)
                    .chain(["row", "error"])
                    .collect(),
                Format::Jsonl => vec!["row", "json", "error"],
            };
            let mut bytes = self.dialect.bom_bytes().to_vec();
            bytes.extend(self.record(&header)?);
            let _ = std::fs::remove_file(&self.path);
            let mut file =
                BufWriter::new(crate::own_files::create_new(&self.path).map_err(Problem::Usage)?);
            file.write_all(&bytes).map_err(failed)?;
            self.file = Some(file);
        }
        let number_text = number.to_string();
        let record: Vec<&str> = match self.format {
            // The original cells (padded to the header), then where and why.
            Format::Csv | Format::Workbook => {
                let mut record: Vec<&str> = cells.iter().map(String::as_str).collect();
                record.resize(self.headers.len().max(record.len()), "");
                record.push(&number_text);
                record.push(message);
                record
            }
            Format::Jsonl => vec![
                number_text.as_str(),
                cells.first().map_or("", String::as_str),
                message,
            ],
        };
        let bytes = self.record(&record)?;
        if let Some(file) = self.file.as_mut() {
            file.write_all(&bytes)
                .map_err(|e| Problem::file(&self.path, e))?;
        }
        self.written += 1;
        Ok(())
    }

    pub fn finish(&mut self) -> Result<(), Problem> {
        if let Some(mut file) = self.file.take() {
            file.flush().map_err(|e| Problem::file(&self.path, e))?;
        }
        Ok(())
    }
}
