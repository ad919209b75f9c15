//! `FILE.failed.csv`: the rows that failed, with their original cells and
//! an `error` column, ready to fix and import again. Created on the first
//! failure; an earlier run's file is removed when a run starts.

use std::path::{Path, PathBuf};

use crate::rows::Format;

pub struct Failures {
    path: PathBuf,
    writer: Option<csv::Writer<std::fs::File>>,
    headers: Vec<String>,
    format: Format,
    pub written: u64,
}

pub fn failures_path(input: &Path) -> PathBuf {
    let stem = input
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    input.with_file_name(format!("{stem}.failed.csv"))
}

impl Failures {
    /// This run's failures only: an earlier run's file is removed.
    pub fn start(input: &Path, headers: Vec<String>, format: Format) -> Failures {
        let path = failures_path(input);
        let _ = std::fs::remove_file(&path);
        Failures {
            path,
            writer: None,
            headers,
            format,
            written: 0,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn write(&mut self, number: u64, cells: &[String], message: &str) -> Result<(), String> {
        if self.writer.is_none() {
            // Flexible: a row with more cells than the header keeps them all.
            let mut writer = csv::WriterBuilder::new()
                .flexible(true)
                .from_path(&self.path)
                .map_err(|e| format!("{}: {e}", self.path.display()))?;
            let header: Vec<&str> = match self.format {
                Format::Csv => self
                    .headers
                    .iter()
                    .map(String::as_str)
                    .chain(["error"])
                    .collect(),
                Format::Jsonl => vec!["row", "json", "error"],
            };
            writer.write_record(header).map_err(|e| e.to_string())?;
            self.writer = Some(writer);
        }
        let Some(writer) = self.writer.as_mut() else {
            return Ok(());
        };
        let number_text = number.to_string();
        let record: Vec<&str> = match self.format {
            // The original cells (padded to the header), then the reason.
            Format::Csv => {
                let mut record: Vec<&str> = cells.iter().map(String::as_str).collect();
                record.resize(self.headers.len().max(record.len()), "");
                record.push(message);
                record
            }
            Format::Jsonl => vec![
                number_text.as_str(),
                cells.first().map_or("", String::as_str),
                message,
            ],
        };
        writer.write_record(record).map_err(|e| e.to_string())?;
        self.written += 1;
        Ok(())
    }

    pub fn finish(&mut self) -> Result<(), String> {
        if let Some(mut writer) = self.writer.take() {
            writer.flush().map_err(|e| e.to_string())?;
        }
        Ok(())
    }
}
