//! The import journal, `FILE.kapture-journal`: append-only JSON lines, one
//! per event of a row, so that nothing is lost or sent twice across runs.
//!
//! ```text
//! {"kapture_journal":2,"crm":{"endpoint":"https://acme...","username":null},"file":{..},"salt":"..","key":".."}
//! {"row":7,"hash":"9f1c..","state":"sending"}          durable before the row is sent
//! {"row":7,"hash":"9f1c..","state":"added","customer_id":100000007}
//! {"row":8,"hash":"..","state":"failed","code":"validation","error":"customer_info.phone: ..."}
//! {"row":9,"hash":"..","state":"unknown","error":"timed out ..."}
//! {"row":10,"hash":"..","state":"not_sent","error":"authentication failed earlier"}
//! ```
//!
//! The first line is the header: the CRM the journal belongs to (one
//! journal per file and CRM: `FILE.<crm>.kapture-journal`, see
//! [`path_for`]), a fingerprint of the file it was written for, and a
//! 32-bit check of the API key with its salt (so that a rotated key can be
//! told apart, never the key itself). A later header line records a new
//! key's check.
//!
//! A row's last line is its state. A row left at "sending" (the process was
//! killed mid-flight) counts as unknown: it may have reached Kapture. A row
//! "not_sent" is sent by the next run.
//!
//! "sending" lines are written when the engine hands a row to its request
//! and made durable in groups by [`SendingLog`]: one fsync covers every
//! line written while the previous one ran. No row's request leaves before
//! its line is on disk.
//!
//! Crash safety: on open, a torn last line (a crash mid-write) is cut off,
//! and lines that do not parse are skipped and counted ([`recover`]); the
//! journal's directory is synced when the journal is created.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::sync::lock;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

pub mod destination;
pub mod own_files;
pub mod paths;
mod verdict;

pub use paths::{file_part, legacy_path_for, path_for};
pub use verdict::{Verdict, state_after, verdict};

use destination::Destination;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Sending,
    Added,
    Failed,
    Unknown,
    /// Not sent on purpose (the run stopped sending): the next run sends it.
    NotSent,
}

impl State {
    pub(crate) fn name(self) -> &'static str {
        match self {
            State::Sending => "sending",
            State::Added => "added",
            State::Failed => "failed",
            State::Unknown => "unknown",
            State::NotSent => "not_sent",
        }
    }

    pub(crate) fn parse(name: &str) -> Option<State> {
        Some(match name {
            "sending" => State::Sending,
            "added" => State::Added,
            "failed" => State::Failed,
            "unknown" => State::Unknown,
            "not_sent" => State::NotSent,
            _ => return None,
        })
    }
}

/// What earlier runs recorded: per row number (index = row - 1), its hash and
/// last state. 16 bytes a row, so a million rows cost 16 MB.
#[derive(Default)]
pub struct Past {
    rows: Vec<Option<(u64, State)>>,
    /// Lines that did not parse (damaged by a crash or by hand), skipped.
    pub damaged_lines: u64,
    /// What the header lines said (`None`: no header line).
    pub header: Option<Header>,
}

/// A journal's header: the first header line, with `key` from the last.
#[derive(Debug, Default, Clone)]
pub struct Header {
    /// 1: written before journals recorded their CRM.
    pub version: u64,
    pub destination: Option<Destination>,
    /// [`fingerprint`] of the file it was written for.
    pub fingerprint: Option<String>,
    pub salt: Option<String>,
    /// The API key's check (`kapture_crm::config::Config::key_check`).
    pub key: Option<String>,
}

impl Header {
    fn from_line(line: &Value) -> Header {
        let text = |v: &Value| v.as_str().map(str::to_string);
        Header {
            version: line["kapture_journal"].as_u64().unwrap_or(0),
            destination: Destination::from_json(&line["crm"]),
            fingerprint: text(&line["file"]["fingerprint"]),
            salt: text(&line["salt"]),
            key: text(&line["key"]),
        }
    }
}

/// The current header version.
pub const VERSION: u64 = 2;

/// The header line of a new journal.
pub fn header_line(
    destination: &Destination,
    file: &Path,
    fingerprint: &str,
    salt: &str,
    key: Option<&str>,
) -> Value {
    json!({
        "kapture_journal": VERSION,
        "crm": destination.to_json(),
        "file": {"path": file.display().to_string(), "fingerprint": fingerprint},
        "salt": salt,
        "key": key,
    })
}

/// Tells one file's content from another's: its header row and its first
/// data row (their hashes), so that the same rows saved again are the same
/// file, and another file under an old name is not.
pub fn fingerprint(headers: &[String], first_row_hash: Option<u64>) -> String {
    let header = headers.join("\u{1f}");
    let first = first_row_hash.map(|h| h.to_le_bytes()).unwrap_or_default();
    format!(
        "{:016x}",
        crate::rows::file::fnv(&[header.as_bytes(), &first])
    )
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
        // Rows are journaled in about file order, so a row number far past
        // every row seen is damage, not a row: refuse to allocate for it.
        let Some(index) = usize::try_from(row)
            .ok()
            .and_then(|r| r.checked_sub(1))
            .filter(|i| *i < self.rows.len() + MAX_JUMP)
        else {
            self.damaged_lines += 1;
            return;
        };
        if self.rows.len() <= index {
            self.rows.resize(index + 1, None);
        }
        self.rows[index] = Some((hash, state));
    }
}

/// How far past the highest row seen a journal line may point: far more
/// than the rows in flight at once, and a bound on what a damaged line can
/// make the reader allocate.
const MAX_JUMP: usize = 1 << 20;

/// Repairs and reads a journal: a torn last line is cut off the file (so
/// the next line appended starts on a line of its own), and every line is
/// read as bytes; what does not parse is skipped and counted.
pub fn recover(path: &Path) -> Result<Past, String> {
    match own_files::open_existing(path)? {
        Some(mut file) => recover_file(&mut file, path),
        None => Ok(Past::default()),
    }
}

/// Reads a journal as it is, changing nothing (another file's, say).
pub fn recover_read_only(path: &Path) -> Result<Past, String> {
    let file = File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    read(BufReader::new(file)).map_err(|e| format!("{}: {e}", path.display()))
}

/// [`recover`] of an open journal; leaves the file positioned at its end.
pub fn recover_file(file: &mut File, path: &Path) -> Result<Past, String> {
    let shown = |e: std::io::Error| format!("{}: {e}", path.display());
    cut_torn_tail(file).map_err(shown)?;
    file.seek(SeekFrom::Start(0)).map_err(shown)?;
    let past = read(BufReader::new(&mut *file)).map_err(shown)?;
    file.seek(SeekFrom::End(0)).map_err(shown)?;
    Ok(past)
}

/// Truncates `file` after its last newline.
pub(crate) fn cut_torn_tail(file: &mut File) -> std::io::Result<()> {
    let len = file.metadata()?.len();
    if len == 0 {
        return Ok(());
    }
    // Look back in blocks for the last '\n'.
    let mut end = len;
    let mut block = vec![0u8; 64 * 1024];
    loop {
        let start = end.saturating_sub(block.len() as u64);
        let size = (end - start) as usize;
        file.seek(SeekFrom::Start(start))?;
        file.read_exact(&mut block[..size])?;
        if let Some(at) = block[..size].iter().rposition(|b| *b == b'\n') {
            let keep = start + at as u64 + 1;
            if keep < len {
                file.set_len(keep)?;
                file.sync_data()?;
            }
            return Ok(());
        }
        if start == 0 {
            // Not one complete line: all of it is torn.
            file.set_len(0)?;
            file.sync_data()?;
            return Ok(());
        }
        end = start;
    }
}

/// Calls `on` with each line of a journal parsed as JSON, `None` for a
/// line that does not parse (read as bytes, so a damaged line cannot stop
/// the read); blank lines are skipped. Both journals' readers use it.
pub(crate) fn each_line(
    mut reader: impl BufRead,
    mut on: impl FnMut(Option<Value>),
) -> std::io::Result<()> {
    let mut line = Vec::new();
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line)? == 0 {
            return Ok(());
        }
        let text = line.trim_ascii();
        if !text.is_empty() {
            on(serde_json::from_slice::<Value>(text).ok());
        }
    }
}

/// Reads journal lines (as bytes, so a damaged line cannot stop the read).
pub fn read(reader: impl BufRead) -> std::io::Result<Past> {
    let mut past = Past::default();
    each_line(reader, |entry| {
        let Some(entry) = entry else {
            past.damaged_lines += 1;
            return;
        };
        if entry.get("kapture_journal").is_some() {
            match &mut past.header {
                None => past.header = Some(Header::from_line(&entry)),
                Some(header) => {
                    if let Some(key) = entry["key"].as_str() {
                        header.key = Some(key.to_string());
                    }
                }
            }
            return;
        }
        let (Some(row), Some(hash), Some(state)) = (
            entry["row"].as_u64(),
            entry["hash"]
                .as_str()
                .and_then(|h| u64::from_str_radix(h, 16).ok()),
            entry["state"].as_str().and_then(State::parse),
        ) else {
            past.damaged_lines += 1;
            return;
        };
        past.set(row, hash, state);
    })?;
    Ok(past)
}

/// The journal being written: shared by the feeder, the engine's
/// "sending" hook and the outcomes, behind locks of its own.
pub struct Journal {
    writer: Mutex<Writer>,
    /// One fsync at a time; whoever holds it syncs every line written so far.
    sync_gate: Mutex<()>,
    /// Lines known durable (a count of lines written).
    synced: AtomicU64,
    /// A handle on the same file, to fsync without holding the writer.
    sync_file: File,
    /// For messages.
    path: PathBuf,
}

struct Writer {
    out: BufWriter<File>,
    written: u64,
    last_sync: Instant,
}

impl Journal {
    /// Opens for appending, creating it if there is none (a test's
    /// shortcut: imports open theirs locked, [`Journal::from_file`]).
    pub fn open(path: &Path) -> Result<Journal, String> {
        let (mut file, fresh) = match own_files::open_existing(path)? {
            Some(file) => (file, false),
            None => (own_files::create_new(path)?, true),
        };
        recover_file(&mut file, path)?;
        let header = fresh.then(|| json!({"kapture_journal": VERSION}));
        Journal::from_file(file, path, header)
    }

    /// Appends to an open journal positioned at its end (as
    /// [`recover_file`] leaves it); `header` is written first, and for a new
    /// journal its directory synced, so the file itself survives a crash.
    pub fn from_file(file: File, path: &Path, header: Option<Value>) -> Result<Journal, String> {
        let shown = |e: std::io::Error| format!("{}: {e}", path.display());
        let fresh = file.metadata().map_err(shown)?.len() == 0;
        let sync_file = file.try_clone().map_err(shown)?;
        let journal = Journal {
            writer: Mutex::new(Writer {
                out: BufWriter::new(file),
                written: 0,
                last_sync: Instant::now(),
            }),
            sync_gate: Mutex::new(()),
            synced: AtomicU64::new(0),
            sync_file,
            path: path.to_path_buf(),
        };
        if let Some(header) = header {
            journal.line(&header)?;
            journal.sync()?;
        }
        if fresh {
            sync_directory(path).map_err(shown)?;
        }
        Ok(journal)
    }

    fn failed(&self, error: &std::io::Error) -> String {
        format!("{}: {error}", self.path.display())
    }

    pub(crate) fn line(&self, value: &Value) -> Result<u64, String> {
        let mut writer = lock(&self.writer);
        writeln!(writer.out, "{value}").map_err(|e| self.failed(&e))?;
        writer.written += 1;
        Ok(writer.written)
    }

    fn entry(row: u64, hash: u64, state: State, extra: Value) -> Value {
        let mut entry = json!({"row": row, "hash": format!("{hash:016x}"), "state": state.name()});
        if let (Value::Object(entry), Value::Object(extra)) = (&mut entry, extra) {
            entry.extend(extra);
        }
        entry
    }

    /// Records a row's state. Handed to the OS at once (so a killed process
    /// loses none), fsynced in batches (every 512 lines or second): losing
    /// the last of these to a power cut leaves the row at its previous
    /// state, "sending" at worst, which counts as unknown.
    pub fn record(&self, row: u64, hash: u64, state: State, extra: Value) -> Result<(), String> {
        self.record_line(&Self::entry(row, hash, state, extra))
    }

    /// [`record`](Self::record) of a line made by the caller.
    pub(crate) fn record_line(&self, line: &Value) -> Result<(), String> {
        let seq = self.line(line)?;
        let due = {
            let mut writer = lock(&self.writer);
            writer.out.flush().map_err(|e| self.failed(&e))?;
            seq.saturating_sub(self.synced.load(Ordering::SeqCst)) >= 512
                || writer.last_sync.elapsed() > Duration::from_secs(1)
        };
        if due { self.sync() } else { Ok(()) }
    }

    /// Flushes and fsyncs everything written so far.
    pub fn sync(&self) -> Result<(), String> {
        let seq = lock(&self.writer).written;
        self.sync_through(seq)
    }

    fn sync_through(&self, seq: u64) -> Result<(), String> {
        let _gate = lock(&self.sync_gate);
        if self.synced.load(Ordering::SeqCst) >= seq {
            return Ok(()); // an fsync that ran while we waited covered us
        }
        let upto = {
            let mut writer = lock(&self.writer);
            writer.out.flush().map_err(|e| self.failed(&e))?;
            writer.last_sync = Instant::now();
            writer.written
        };
        self.sync_file.sync_data().map_err(|e| self.failed(&e))?;
        self.synced.store(upto, Ordering::SeqCst);
        Ok(())
    }
}

/// Group commit of "sending" lines for async callers: each caller appends
/// its line; the first to find no fsync running starts one (off the async
/// threads) that covers every line written so far, and the others wait for
/// the news. No thread handoff per row, one fsync per group.
#[derive(Clone)]
pub struct SendingLog {
    inner: std::sync::Arc<LogState>,
}

struct LogState {
    journal: std::sync::Arc<Journal>,
    syncing: std::sync::atomic::AtomicBool,
    /// Bumped after every fsync; holds the error of a failed one.
    news: tokio::sync::watch::Sender<Option<String>>,
}

impl SendingLog {
    pub fn start(journal: std::sync::Arc<Journal>) -> SendingLog {
        SendingLog {
            inner: std::sync::Arc::new(LogState {
                journal,
                syncing: std::sync::atomic::AtomicBool::new(false),
                news: tokio::sync::watch::Sender::new(None),
            }),
        }
    }

    /// Returns once the row's "sending" line is on disk.
    pub async fn sending(&self, row: u64, hash: u64) -> Result<(), String> {
        self.durable(&Journal::entry(row, hash, State::Sending, json!({})))
            .await
    }

    /// Appends `line` and returns once it is on disk.
    pub async fn durable(&self, line: &Value) -> Result<(), String> {
        let state = &self.inner;
        let seq = state.journal.line(line)?;
        let mut news = state.news.subscribe();
        loop {
            if let Some(error) = news.borrow_and_update().clone() {
                return Err(error);
            }
            if state.journal.synced.load(Ordering::SeqCst) >= seq {
                return Ok(());
            }
            if !state.syncing.swap(true, Ordering::SeqCst) {
                let journal = state.journal.clone();
                let synced = tokio::task::spawn_blocking(move || journal.sync())
                    .await
                    .unwrap_or_else(|e| Err(format!("journal: {e}")));
                state.syncing.store(false, Ordering::SeqCst);
                state.news.send_replace(synced.clone().err());
                synced?;
                continue;
            }
            if news.changed().await.is_err() {
                return Err("journal: closed".into());
            }
        }
    }
}

/// Makes a new file's directory entry durable.
fn sync_directory(path: &Path) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    File::open(dir)?.sync_all()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs::OpenOptions;

    /// A journal path in a fresh folder, removed when the test ends.
    struct Temp(PathBuf);

    impl std::ops::Deref for Temp {
        type Target = Path;
        fn deref(&self) -> &Path {
            &self.0
        }
    }

    impl AsRef<Path> for Temp {
        fn as_ref(&self) -> &Path {
            &self.0
        }
    }

    impl Drop for Temp {
        fn drop(&mut self) {
            if let Some(dir) = self.0.parent() {
                let _ = std::fs::remove_dir_all(dir);
            }
        }
    }

    fn temp(name: &str) -> Temp {
        let dir =
            std::env::temp_dir().join(format!("kapture-journal-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Temp(dir.join("x.csv.kapture-journal"))
    }

    /// Issue 9, case 5: a torn last line was glued to the next record on
    /// resume (losing it), and a torn multi-byte character stopped resume.
    #[test]
    fn case_5_torn_tail_is_cut_and_damaged_lines_are_skipped() {
        let path = temp("torn");
        {
            let journal = Journal::open(&path).unwrap();
            journal.record(1, 0xaa, State::Added, json!({})).unwrap();
            journal.record(2, 0xbb, State::Sending, json!({})).unwrap();
            journal.sync().unwrap();
        }
        // A crash mid-write: half a line, ending inside a 3-byte character.
        let mut file = OpenOptions::new().append(true).open(&path).unwrap();
        file.write_all(b"{\"row\":3,\"hash\":\"00000000000000cc\",\"error\":\"\xe2\x82")
            .unwrap();
        drop(file);
        let past = recover(&path).unwrap();
        assert_eq!(past.get(1), Some((0xaa, State::Added)));
        assert_eq!(past.get(2), Some((0xbb, State::Sending)));
        assert_eq!(past.get(3), None);
        // The next record starts on a line of its own and is read back.
        Journal::open(&path)
            .unwrap()
            .record(3, 0xcc, State::Added, json!({}))
            .unwrap();
        let past = recover(&path).unwrap();
        assert_eq!(past.get(3), Some((0xcc, State::Added)));
        assert_eq!(past.damaged_lines, 0);
        // Damage in the middle (invalid UTF-8, garbage) is skipped, counted.
        let mut file = OpenOptions::new().append(true).open(&path).unwrap();
        file.write_all(
            b"\xff\xfe garbage\n{\"row\":99999999999999,\"hash\":\"1\",\"state\":\"added\"}\n",
        )
        .unwrap();
        drop(file);
        let past = recover(&path).unwrap();
        assert_eq!(past.damaged_lines, 2);
        assert_eq!(past.get(3), Some((0xcc, State::Added)));
    }

    #[test]
    fn a_journal_with_no_complete_line_is_emptied() {
        let path = temp("nothing");
        std::fs::write(&path, b"{\"kapture_jou").unwrap();
        let past = recover(&path).unwrap();
        assert!(past.is_empty());
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 0);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sending_log_makes_every_line_durable() {
        let path = temp("log");
        let log = SendingLog::start(std::sync::Arc::new(Journal::open(&path).unwrap()));
        let sends: Vec<_> = (1..=100u64)
            .map(|row| {
                let log = log.clone();
                tokio::spawn(async move { log.sending(row, row).await })
            })
            .collect();
        for send in sends {
            send.await.unwrap().unwrap();
        }
        let past = recover(&path).unwrap();
        for row in 1..=100 {
            assert_eq!(past.get(row), Some((row, State::Sending)));
        }
    }
}
