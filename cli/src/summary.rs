//! The summary of an import: where every row ended up.

use kapture_crm::rows::file::SheetRead;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// How a reconciliation ended, for the summary.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Reconciled {
    /// Unknown rows found by lookup (not sent again).
    pub found: u64,
    /// Unknown rows not found, sent again and added.
    pub resent: u64,
}

/// Where every row ended up in this run.
#[derive(Debug, Default)]
pub struct Summary {
    pub rows: u64,
    /// Entirely empty rows, skipped (not failed).
    pub blank: u64,
    pub added: u64,
    /// `--upsert`: rows whose customer existed, updated (not in `added`).
    pub updated: u64,
    /// Failed rows by error code (`validation`, `api`, `duplicate`...).
    pub failed: BTreeMap<String, u64>,
    /// Rows whose outcome is unknown: check them in the CRM.
    pub unknown: Vec<u64>,
    /// Already added by an earlier run.
    pub skipped: u64,
    /// Valid rows a dry run would send.
    pub would_send: u64,
    /// Rows not sent on purpose (the run stopped sending): the next run
    /// sends them.
    pub not_sent: u64,
    pub interrupted: bool,
    /// Why the run stopped sending before the end (an authentication
    /// failure) or failed (the engine): the CLI exits 2 with it.
    pub stopped: Option<String>,
    /// The journal (or the failures file) could not be written, a full disk
    /// say: sending stopped, and the CLI exits 3.
    pub journal_failed: bool,
    /// Journal lines of earlier runs that could not be read (skipped).
    pub damaged_journal_lines: u64,
    /// `--reconcile`: unknown rows found by lookup, and re-sent.
    pub reconciled: Option<Reconciled>,
    pub failures_file: Option<PathBuf>,
    pub journal_file: Option<PathBuf>,
    /// A workbook's sheet read, and its header row.
    pub sheet: Option<SheetRead>,
}

impl Summary {
    pub fn failed_total(&self) -> u64 {
        self.failed.values().sum()
    }

    /// Rows settled so far, for the progress line.
    pub fn done(&self) -> u64 {
        self.added
            + self.updated
            + self.failed_total()
            + self.unknown.len() as u64
            + self.skipped
            + self.not_sent
    }

    /// `--output json`: one document, the keys the README documents. The
    /// counts add up: rows = blank + would_send + added + updated + skipped + failed +
    /// duplicate + unknown + not_sent (`failed` leaves duplicates out;
    /// `failed_by_code` has every code, `duplicate` too).
    pub fn to_json(&self) -> serde_json::Value {
        let duplicate = self.failed.get("duplicate").copied().unwrap_or(0);
        let path = |p: &Option<PathBuf>| p.as_ref().map(|p| p.display().to_string());
        serde_json::json!({
            "rows": self.rows,
            "blank": self.blank,
            "would_send": self.would_send,
            "added": self.added,
            "updated": self.updated,
            "skipped": self.skipped,
            "failed": self.failed_total() - duplicate,
            "duplicate": duplicate,
            "failed_by_code": self.failed,
            "unknown": self.unknown.len(),
            "unknown_rows": self.unknown,
            "not_sent": self.not_sent,
            "reconciled": self.reconciled.map(|r| serde_json::json!({"found": r.found, "resent": r.resent})),
            "interrupted": self.interrupted,
            "stopped": self.stopped,
            "journal_failed": self.journal_failed,
            "damaged_journal_lines": self.damaged_journal_lines,
            "failures_file": path(&self.failures_file),
            "journal_file": path(&self.journal_file),
            "sheet": self.sheet.as_ref().map(|s| serde_json::json!({
                "name": s.name,
                "position": s.position,
                "sheets": s.names,
                "header_row": s.header_row,
            })),
        })
    }

    pub fn print(&self, out: &mut impl std::io::Write) -> std::io::Result<()> {
        let title = if self.interrupted {
            "Interrupted"
        } else {
            "Done"
        };
        writeln!(out, "{title}: {} rows read", self.rows)?;
        if let Some(sheet) = &self.sheet {
            writeln!(out, "  from:        {}", sheet.description)?;
            let above = match sheet.header_row {
                1 => String::new(),
                2 => " (row 1 above it skipped)".into(),
                n => format!(" (rows 1 to {} above it skipped)", n - 1),
            };
            writeln!(out, "  header:      row {}{above}", sheet.header_row)?;
        }
        if self.blank > 0 {
            writeln!(out, "  blank:       {} (empty rows, skipped)", self.blank)?;
        }
        if self.would_send > 0
            || (self.added + self.updated == 0
                && self.rows > 0
                && self.failed_total() == 0
                && self.skipped == 0)
        {
            writeln!(out, "  would send:  {}", self.would_send)?;
        }
        writeln!(out, "  added:       {}", self.added)?;
        if self.updated > 0 {
            writeln!(
                out,
                "  updated:     {} (--upsert: the customer existed)",
                self.updated
            )?;
        }
        writeln!(
            out,
            "  skipped:     {} (added by an earlier run)",
            self.skipped
        )?;
        writeln!(out, "  failed:      {}", self.failed_total())?;
        for (code, n) in &self.failed {
            let what = if code == "duplicate" {
                " (same customer_code, phone or email as an earlier row)"
            } else {
                ""
            };
            writeln!(out, "    {code}: {n}{what}")?;
        }
        if let Some(r) = &self.reconciled {
            writeln!(
                out,
                "  reconciled:  {} found, {} re-sent (unknown rows looked up; found ones were not sent again)",
                r.found, r.resent
            )?;
        }
        writeln!(out, "  unknown:     {}", self.unknown.len())?;
        if self.not_sent > 0 {
            writeln!(
                out,
                "  not sent:    {} (the run stopped sending; run again to send them)",
                self.not_sent
            )?;
        }
        if !self.unknown.is_empty() {
            let shown: Vec<String> = self.unknown.iter().take(20).map(u64::to_string).collect();
            let more = if self.unknown.len() > 20 { ", ..." } else { "" };
            writeln!(
                out,
                "    rows {}{more}: these may or may not have been added. Check them in the CRM; \
                 --retry-unknown sends them again.",
                shown.join(", ")
            )?;
        }
        if let Some(path) = &self.failures_file {
            writeln!(
                out,
                "  failed rows with an `error` column: {}",
                path.display()
            )?;
        }
        if self.damaged_journal_lines > 0 {
            writeln!(
                out,
                "  journal: {} damaged line(s) from an earlier run skipped",
                self.damaged_journal_lines
            )?;
        }
        if let Some(path) = &self.journal_file {
            writeln!(out, "  journal: {} (run again to resume)", path.display())?;
        }
        Ok(())
    }
}
