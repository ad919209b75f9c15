//! The import journal, `FILE.kapture-journal`: append-only JSON lines, one
//! per event of a row, so that nothing is lost or sent twice across runs.
//!
//! ```text
//! {"kapture_journal":1}
//! {"row":7,"hash":"9f1c..","state":"sending"}          written and synced before the row is sent
//! {"row":7,"hash":"9f1c..","state":"added","customer_id":100000007}
//! {"row":8,"hash":"..","state":"failed","code":"validation","error":"customer_info.phone: ..."}
//! {"row":9,"hash":"..","state":"unknown","error":"timed out ..."}
//! {"row":10,"hash":"..","state":"duplicate","of":3}
//! ```
//!
//! A row's last line is its state. A row left at "sending" (the process was
//! killed mid-flight) counts as unknown: it may have reached Kapture.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Sending,
    Added,
    Failed,
    Unknown,
    Duplicate,
}

impl State {
    fn name(self) -> &'static str {
        match self {
            State::Sending => "sending",
            State::Added => "added",
            State::Failed => "failed",
            State::Unknown => "unknown",
            State::Duplicate => "duplicate",
        }
    }

    fn parse(name: &str) -> Option<State> {
        Some(match name {
            "sending" => State::Sending,
            "added" => State::Added,
            "failed" => State::Failed,
            "unknown" => State::Unknown,
            "duplicate" => State::Duplicate,
            _ => return None,
        })
    }
}

/// What earlier runs recorded: per row number (index = row - 1), its hash and
/// last state. 16 bytes a row, so a million rows cost 16 MB.
#[derive(Default)]
pub struct Past {
    rows: Vec<Option<(u64, State)>>,
}

impl Past {
    pub fn get(&self, row: u64) -> Option<(u64, State)> {
        self.rows
            .get(usize::try_from(row).ok()?.checked_sub(1)?)
            .copied()
            .flatten()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.iter().all(Option::is_none)
    }

    fn set(&mut self, row: u64, hash: u64, state: State) {
        let Some(index) = usize::try_from(row).ok().and_then(|r| r.checked_sub(1)) else {
            return;
        };
        if self.rows.len() <= index {
            self.rows.resize(index + 1, None);
        }
        self.rows[index] = Some((hash, state));
    }
}

pub fn path_for(input: &Path) -> PathBuf {
    let mut name = input.as_os_str().to_owned();
    name.push(".kapture-journal");
    PathBuf::from(name)
}

/// Reads a journal; a torn last line (a crash mid-write) is ignored.
pub fn load(path: &Path) -> Result<Past, String> {
    let mut past = Past::default();
    let file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(past),
        Err(e) => return Err(format!("{}: {e}", path.display())),
    };
    for line in BufReader::new(file).lines() {
        let line = line.map_err(|e| format!("{}: {e}", path.display()))?;
        let Ok(entry) = serde_json::from_str::<Value>(&line) else {
            continue;
        };
        let (Some(row), Some(hash), Some(state)) = (
            entry["row"].as_u64(),
            entry["hash"]
                .as_str()
                .and_then(|h| u64::from_str_radix(h, 16).ok()),
            entry["state"].as_str().and_then(State::parse),
        ) else {
            continue;
        };
        past.set(row, hash, state);
    }
    Ok(past)
}

pub struct Journal {
    out: BufWriter<File>,
    unsynced: usize,
    last_sync: Instant,
}

impl Journal {
    pub fn open(path: &Path) -> Result<Journal, String> {
        let fresh = !path.exists();
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(|e| format!("{}: {e}", path.display()))?;
        let mut journal = Journal {
            out: BufWriter::new(file),
            unsynced: 0,
            last_sync: Instant::now(),
        };
        if fresh {
            journal.line(&json!({"kapture_journal": 1}))?;
        }
        Ok(journal)
    }

    fn line(&mut self, value: &Value) -> Result<(), String> {
        writeln!(self.out, "{value}").map_err(|e| format!("journal: {e}"))?;
        self.unsynced += 1;
        Ok(())
    }

    pub fn record(
        &mut self,
        row: u64,
        hash: u64,
        state: State,
        extra: Value,
    ) -> Result<(), String> {
        let mut entry = json!({"row": row, "hash": format!("{hash:016x}"), "state": state.name()});
        if let (Value::Object(entry), Value::Object(extra)) = (&mut entry, extra) {
            entry.extend(extra);
        }
        self.line(&entry)?;
        // Outcomes are synced in batches; "sending" lines by the caller,
        // before the rows go out.
        if self.unsynced >= 512 || self.last_sync.elapsed() > Duration::from_secs(1) {
            self.sync()?;
        }
        Ok(())
    }

    /// Flushes and fsyncs what was written.
    pub fn sync(&mut self) -> Result<(), String> {
        if self.unsynced == 0 {
            return Ok(());
        }
        self.out.flush().map_err(|e| format!("journal: {e}"))?;
        self.out
            .get_ref()
            .sync_data()
            .map_err(|e| format!("journal: {e}"))?;
        self.unsynced = 0;
        self.last_sync = Instant::now();
        Ok(())
    }
}
