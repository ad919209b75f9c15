//! Helpers of the CLI's end-to-end tests: the real binary, files built in
//! the test, a sandbox in this process.

#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use kapture_crm_sandbox::{Faults, Sandbox, SandboxConfig};

pub fn kapture() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_kapture"));
    for name in [
        "KAPTURE_TOKEN",
        "KAPTURE_SUBDOMAIN",
        "KAPTURE_BASE_URL",
        "KAPTURE_RATE_LIMITER",
    ] {
        command.env_remove(name);
    }
    command
}

/// A fresh folder under the system's temp dir, removed when the test ends
/// (CI's disk is shared: hundreds of runs' leftovers once filled it).
pub struct Workdir(PathBuf);

impl std::ops::Deref for Workdir {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<Path> for Workdir {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}

impl Drop for Workdir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn workdir(name: &str) -> Workdir {
    let dir = std::env::temp_dir().join(format!("kapture-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    Workdir(dir)
}

/// `rows` customers; every row in `bad` has a 5-digit phone.
pub fn write_csv(path: &Path, rows: usize, bad: &[usize]) {
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    writeln!(
        out,
        "customer_name,Mobile No,email_id,city,individual,contact_info.0.first_name"
    )
    .unwrap();
    for i in 1..=rows {
        let phone = if bad.contains(&i) {
            "12345".to_string()
        } else {
            format!("+91 9{i:09}")
        };
        writeln!(
            out,
            "Customer {i},{phone},c{i}@example.in,Pune,yes,First{i}"
        )
        .unwrap();
    }
}

pub fn sandbox(faults: Faults) -> Sandbox {
    Sandbox::start_background(SandboxConfig {
        faults,
        ..SandboxConfig::default()
    })
    .unwrap()
}

/// `kapture import FILE` against the sandbox, with the CLI's defaults.
pub fn import_plain(sandbox: &Sandbox, file: &Path, extra: &[&str]) -> Output {
    kapture()
        .args(["import", file.to_str().unwrap()])
        .args(["--token", sandbox.token(), "--base-url", sandbox.url()])
        .args(extra)
        .output()
        .unwrap()
}

/// `kapture import FILE` with more in flight and a few retries.
pub fn import(sandbox: &Sandbox, csv: &Path, extra: &[&str]) -> Output {
    let tuned = ["--concurrency", "32", "--max-retries", "3"];
    import_plain(sandbox, csv, &[&tuned[..], extra].concat())
}

/// A count from the summary: `  added:       42`.
pub fn count(output: &Output, label: &str) -> u64 {
    let text = String::from_utf8_lossy(&output.stdout);
    text.lines()
        .find_map(|l| l.trim().strip_prefix(&format!("{label}:")))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| {
            panic!(
                "no {label} in:\n{text}\n{}",
                String::from_utf8_lossy(&output.stderr)
            )
        })
}

pub fn assert_nobody_written_twice(sandbox: &Sandbox) {
    let twice: Vec<_> = sandbox
        .customers()
        .into_iter()
        .filter(|c| c.writes != 1)
        .collect();
    assert!(
        twice.is_empty(),
        "{} customers written more than once",
        twice.len()
    );
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// `kapture import` of `csv` into `sandbox`, in the background, output piped.
pub fn spawn_import(sandbox: &Sandbox, csv: &Path, extra: &[&str]) -> std::process::Child {
    kapture()
        .args(["import", csv.to_str().unwrap(), "--map", "Mobile No=phone"])
        .args(["--token", sandbox.token(), "--base-url", sandbox.url()])
        .args(extra)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap()
}

pub const VENDOR_SUCCESS: &str = include_str!("../../../tests/fixtures/vendor_response.json");

/// A loopback HTTP/1.1 server (keep-alive) that answers every request with
/// `answer(body)`: a status and a JSON body. Returns its URL and a count of
/// the requests it received. It lives until the test process ends.
pub fn scripted_server(
    answer: impl Fn(&str) -> (u16, String) + Send + Sync + 'static,
) -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::io::{BufRead, BufReader, Read};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let requests = Arc::new(AtomicUsize::new(0));
    let counted = requests.clone();
    let answer = Arc::new(answer);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let (counted, answer) = (counted.clone(), answer.clone());
            std::thread::spawn(move || {
                let Ok(read_half) = stream.try_clone() else {
                    return;
                };
                let mut reader = BufReader::new(read_half);
                let mut stream = stream;
                loop {
                    let mut length = 0usize;
                    let mut line = String::new();
                    loop {
                        line.clear();
                        if reader.read_line(&mut line).unwrap_or(0) == 0 {
                            return;
                        }
                        if line == "\r\n" {
                            break;
                        }
                        let lower = line.to_ascii_lowercase();
                        if let Some(v) = lower.strip_prefix("content-length:") {
                            length = v.trim().parse().unwrap_or(0);
                        }
                    }
                    let mut body = vec![0; length];
                    if reader.read_exact(&mut body).is_err() {
                        return;
                    }
                    counted.fetch_add(1, Ordering::SeqCst);
                    let (status, reply) = answer(&String::from_utf8_lossy(&body));
                    let head = format!(
                        "HTTP/1.1 {status} Status\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                        reply.len()
                    );
                    let sent = stream
                        .write_all(head.as_bytes())
                        .and_then(|()| stream.write_all(reply.as_bytes()));
                    if sent.is_err() {
                        return;
                    }
                }
            });
        }
    });
    (url, requests)
}

/// The journals of `file` (one per CRM), beside it.
pub fn journals_of(file: &Path) -> Vec<PathBuf> {
    let name = file.file_name().unwrap().to_string_lossy().into_owned();
    let mut found: Vec<PathBuf> = std::fs::read_dir(file.parent().unwrap())
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy();
            n.starts_with(&format!("{name}.")) && n.ends_with(".kapture-journal")
        })
        .collect();
    found.sort();
    found
}
