//! The `machine` scope's store: a state file per CRM, read and written under
//! its exclusive lock (held for a read and a write, microseconds).

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::{Op, Paced, State, step};
use crate::journal::own_files;

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

    /// The state file, never through a symbolic link (the temporary folder
    /// is everyone's: a link planted there must not make us write another
    /// file). Created writable by every user, since the rate is the
    /// machine's: a file that exists is opened without `O_CREAT`, which
    /// Linux's `protected_regular` refuses in a sticky folder for a file
    /// another user owns.
    fn open(&self) -> Result<File, String> {
        let mut tries = 0;
        loop {
            if let Some(file) = own_files::open_existing(&self.path)? {
                return Ok(file);
            }
            match own_files::create_new(&self.path) {
                Ok(file) => {
                    shared_with_everyone(&file);
                    return Ok(file);
                }
                // Another process created it first: open that one.
                Err(_) if tries < 3 && self.path.exists() => tries += 1,
                Err(why) => return Err(why),
            }
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
        let mut file = self
            .open()
            .map_err(|why| format!("the machine's rate limiter could not be used: {why}"))?;
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

/// Read and write for every user (not the creator's umask): one rate for
/// the whole machine, whoever runs first.
#[cfg(unix)]
fn shared_with_everyone(file: &File) {
    use std::os::unix::fs::PermissionsExt;
    let _ = file.set_permissions(std::fs::Permissions::from_mode(0o666));
}

#[cfg(not(unix))]
fn shared_with_everyone(_: &File) {}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("kapture-rate-file-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn the_state_file_is_created_for_every_user_of_the_machine() {
        let dir = scratch("mode");
        let state = FileState {
            path: dir.join("kapture-rate-x.state"),
        };
        state.apply(&Op::Acquire, 10.0, 0.5).unwrap();
        let mode = std::fs::metadata(&state.path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o666);
        // And it is used again as it is, by the next call.
        state.apply(&Op::Acquire, 10.0, 0.5).unwrap();
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn a_link_planted_at_the_state_path_is_refused_and_its_target_untouched() {
        let dir = scratch("link");
        let victim = dir.join("victim.txt");
        std::fs::write(&victim, "keep me\n").unwrap();
        let path = dir.join("kapture-rate-y.state");
        std::os::unix::fs::symlink(&victim, &path).unwrap();
        let error = FileState { path }
            .apply(&Op::Acquire, 10.0, 0.5)
            .unwrap_err();
        assert!(error.contains("symbolic link"), "{error}");
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me\n");
        let _ = std::fs::remove_dir_all(dir);
    }
}
