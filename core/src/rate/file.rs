//! The `machine` scope's store: a state file per CRM, read and written under
//! its exclusive lock (held for a read and a write, microseconds).

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::{Op, Paced, State, step};

/// Where the state files go: `KAPTURE_RATE_DIR`, else the temporary folder
/// every process of the machine shares.
const ENV_DIR: &str = "KAPTURE_RATE_DIR";

pub(crate) struct FileState {
    path: PathBuf,
}

impl FileState {
    pub(crate) fn new(key: &str) -> FileState {
        let dir = std::env::var_os(ENV_DIR).map_or_else(std::env::temp_dir, PathBuf::from);
        FileState {
            path: dir.join(format!("kapture-rate-{key}.state")),
        }
    }

    pub(crate) fn apply(
        &self,
        op: &Op,
        limit: f64,
        floor: f64,
    ) -> Result<(Duration, Paced), String> {
        let shown = |e: std::io::Error| {
            format!(
                "the machine's rate limiter ({}) could not be used: {e}",
                self.path.display()
            )
        };
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&self.path)
            .map_err(shown)?;
        file.lock().map_err(shown)?;
        let result = change(&mut file, op, limit, floor).map_err(shown);
        let _ = file.unlock();
        result
    }
}

fn change(file: &mut File, op: &Op, limit: f64, floor: f64) -> std::io::Result<(Duration, Paced)> {
    let mut text = String::new();
    file.read_to_string(&mut text)?;
    // A file that does not parse (another version's, or damaged) starts
    // over: the worst case is one second's burst.
    let mut fields = text.split_whitespace().map(|f| f.parse::<f64>().ok());
    let state = match (fields.next(), fields.next(), fields.next()) {
        (Some(Some(tat)), Some(Some(pace)), Some(Some(decreased))) => State {
            tat,
            pace,
            decreased,
        },
        _ => State::default(),
    };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_micros() as f64;
    let (state, wait, paced) = step(state, op, now, limit, floor);
    let line = format!("{:.0} {} {:.0}\n", state.tat, state.pace, state.decreased);
    file.seek(SeekFrom::Start(0))?;
    file.set_len(0)?;
    file.write_all(line.as_bytes())?;
    Ok((wait, paced))
}
