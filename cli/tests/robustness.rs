//! Regression tests of issue 9 for `kapture import`, named after its cases:
//! the real binary against the sandbox.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use kapture_crm_sandbox::{Faults, Sandbox, SandboxConfig};

mod common;
use common::*;

/// Case 1: two imports of one file at once both sent every row.
#[test]
fn case_1_a_second_import_of_the_same_file_is_refused_at_once() {
    let dir = workdir("lock");
    let csv = dir.join("customers.csv");
    write_csv(&csv, 300, &[7]);
    let sandbox = sandbox(Faults {
        latency_ms: 20,
        ..Faults::default()
    });
    let first = spawn_import(&sandbox, &csv, &["--concurrency", "4"]);
    // Wait until the first run is sending (it holds the lock by then) and
    // has created its failures file (row 7), so that what is written there
    // below can only be overwritten by a refused run.
    let failures = dir.join("customers.failed.csv");
    let started = Instant::now();
    while (sandbox.stats().add_update_requests == 0 || !failures.exists())
        && started.elapsed() < Duration::from_secs(20)
    {
        std::thread::sleep(Duration::from_millis(10));
    }
    std::fs::write(&failures, "kept\n").unwrap();
    for extra in [&[][..], &["--dry-run"][..]] {
        let second = import(&sandbox, &csv, extra);
        assert_eq!(
            second.status.code(),
            Some(2),
            "{extra:?}: {}",
            stderr(&second)
        );
        let text = stderr(&second);
        assert!(
            text.contains("customers.csv") && text.contains("another"),
            "{text}"
        );
    }
    let sandboxed = kapture()
        .args([
            "import",
            csv.to_str().unwrap(),
            "--map",
            "Mobile No=phone",
            "--sandbox",
        ])
        .output()
        .unwrap();
    assert_eq!(sandboxed.status.code(), Some(2), "{}", stderr(&sandboxed));
    assert_eq!(
        std::fs::read_to_string(&failures).unwrap(),
        "kept\n",
        "nothing overwritten"
    );

    let first = first.wait_with_output().unwrap();
    assert_eq!(first.status.code(), Some(1), "{}", stderr(&first));
    assert_eq!(count(&first, "added"), 299);
    assert_eq!(
        sandbox.stats().add_update_requests,
        299,
        "the refused runs sent nothing"
    );
    assert_nobody_written_twice(&sandbox);
}

/// A tiny pseudo-random generator: the kill points differ run to run, and a
/// failure prints the seed.
struct Lcg(u64);
impl Lcg {
    fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

/// Case 5: after `kill -9` at random points, resumes must leave every row
/// with exactly one outcome and no customer written twice (a torn journal
/// line once led to a row sent twice).
#[test]
fn case_5_kill_9_at_random_points_then_resume_loses_and_doubles_nothing() {
    let dir = workdir("kill9");
    let csv = dir.join("customers.csv");
    let rows = 1_500u64;
    write_csv(&csv, rows as usize, &[]);
    let sandbox = sandbox(Faults {
        latency_ms: 2,
        ..Faults::default()
    });
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(7, |d| d.as_nanos() as u64);
    let mut random = Lcg(seed);
    for kill in 0..8 {
        let mut child = spawn_import(&sandbox, &csv, &["--concurrency", "16"]);
        std::thread::sleep(Duration::from_millis(50 + random.below(300)));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        assert_nobody_written_twice_seeded(&sandbox, seed, kill);
    }
    let last = import(&sandbox, &csv, &[]);
    let text = String::from_utf8_lossy(&last.stdout).into_owned();
    assert!(
        matches!(last.status.code(), Some(0 | 1)),
        "seed {seed}: {text}{}",
        stderr(&last)
    );
    let (added, skipped, unknown, failed) = (
        count(&last, "added"),
        count(&last, "skipped"),
        count(&last, "unknown"),
        count(&last, "failed"),
    );
    assert_eq!(
        added + skipped + unknown + failed,
        rows,
        "seed {seed}: {text}"
    );
    assert_eq!(failed, 0, "seed {seed}: {text}");
    let stored = sandbox.customers().len() as u64;
    // Added rows are stored; an unknown one may or may not have arrived.
    assert!(
        stored >= added + skipped && stored <= rows,
        "seed {seed}: {stored} stored\n{text}"
    );
    assert_nobody_written_twice_seeded(&sandbox, seed, 99);
}

fn assert_nobody_written_twice_seeded(sandbox: &Sandbox, seed: u64, kill: u32) {
    let twice = sandbox.customers().iter().filter(|c| c.writes != 1).count();
    assert_eq!(
        twice, 0,
        "seed {seed}, after kill {kill}: customers written twice"
    );
}

/// Case 6: rows were journaled "sending" when fed (up to ~3x concurrency
/// ahead), so a crash listed far more unknown rows than had left.
#[test]
fn case_6_after_a_crash_no_more_rows_are_unknown_than_were_in_flight() {
    let dir = workdir("inflight");
    let csv = dir.join("customers.csv");
    write_csv(&csv, 2_000, &[]);
    let sandbox = sandbox(Faults {
        latency_ms: 40,
        ..Faults::default()
    });
    let mut child = spawn_import(&sandbox, &csv, &["--concurrency", "8"]);
    std::thread::sleep(Duration::from_millis(700));
    let _ = child.kill();
    let _ = child.wait();
    let reached = sandbox.stats().add_update_requests;
    let resumed = import(&sandbox, &csv, &[]);
    let unknown = count(&resumed, "unknown");
    // In flight (8), plus rows answered in the instant before the kill whose
    // outcome line was not yet written (seen: 9 once in CI-like runs);
    // before the fix, rows were journaled up to ~3 windows ahead.
    assert!(unknown <= 2 * 8, "{unknown} unknown with 8 in flight");
    // Every unknown row really was handed to a request.
    assert!(
        unknown <= reached,
        "{unknown} unknown, {reached} reached the server"
    );
    assert_eq!(
        count(&resumed, "added") + count(&resumed, "skipped") + unknown,
        2_000
    );
    assert_nobody_written_twice(&sandbox);
}

/// Case 7: one row that is not UTF-8 aborted the whole import.
#[test]
fn case_7_a_row_that_is_not_utf8_fails_alone() {
    let dir = workdir("utf8");
    let sandbox = sandbox(Faults::default());
    let csv = dir.join("customers.csv");
    let mut bytes = b"customer_name,Mobile No,city\n".to_vec();
    bytes.extend_from_slice(b"Asha,9380491387,Pune\n");
    bytes.extend_from_slice(b"Bad,9380491388,Pu\xffne\n");
    bytes.extend_from_slice(b"Chand,9380491389,Goa\n");
    std::fs::write(&csv, bytes).unwrap();
    let out = import(&sandbox, &csv, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(count(&out, "added"), 2);
    assert_eq!(count(&out, "failed"), 1);
    let failures = std::fs::read_to_string(dir.join("customers.failed.csv")).unwrap();
    assert!(
        failures.contains("not valid UTF-8 at byte 3 of column \"\"city\"\""),
        "{failures}"
    );
    assert!(failures.contains("Bad,9380491388"), "{failures}");

    let jsonl = dir.join("more.jsonl");
    let mut bytes = br#"{"customer_info":{"customer_name":"D","phone":"9380491390"}}"#.to_vec();
    bytes.extend_from_slice(b"\n{\"customer_info\":{\"customer_name\":\"\xc3\x28\"}}\n");
    bytes.extend_from_slice(br#"{"customer_info":{"customer_name":"E","phone":"9380491391"}}"#);
    std::fs::write(&jsonl, bytes).unwrap();
    let out = kapture()
        .args([
            "import",
            jsonl.to_str().unwrap(),
            "--token",
            sandbox.token(),
            "--base-url",
            sandbox.url(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(count(&out, "added"), 2);
    let failures = std::fs::read_to_string(dir.join("more.failed.csv")).unwrap();
    assert!(
        failures.contains("not valid UTF-8 at byte 36"),
        "{failures}"
    );
}

/// Case 8: a wrong token sent every row anyway.
#[test]
fn case_8_a_wrong_token_stops_sending_and_resume_sends_the_rest() {
    let dir = workdir("badtoken");
    let csv = dir.join("customers.csv");
    write_csv(&csv, 2_000, &[]);
    let sandbox = sandbox(Faults::default());
    let out = kapture()
        .args(["import", csv.to_str().unwrap(), "--map", "Mobile No=phone"])
        .args([
            "--token",
            "wrong-token",
            "--base-url",
            sandbox.url(),
            "--concurrency",
            "8",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("Invalid Auth Key"),
        "{}",
        stderr(&out)
    );
    let sent = sandbox.stats().add_update_requests;
    assert!(sent <= 32, "{sent} requests with a wrong token");
    let not_sent = count(&out, "not sent");
    assert_eq!(count(&out, "failed") + not_sent, 2_000);
    assert_eq!(count(&out, "unknown"), 0);

    let resumed = import(&sandbox, &csv, &[]);
    assert_eq!(resumed.status.code(), Some(0), "{}", stderr(&resumed));
    assert_eq!(count(&resumed, "added"), 2_000);
    assert_eq!(count(&resumed, "unknown"), 0);
    assert_eq!(sandbox.customers().len(), 2_000);
}

/// Case 9: the duplicate table was sized by newlines, not records.
#[test]
fn case_9_rows_are_counted_as_records_not_lines() {
    let dir = workdir("multiline");
    let csv = dir.join("notes.csv");
    let mut text = String::from("customer_name,phone,remarks\n");
    for i in 0..100 {
        text.push_str(&format!("C{i},93804{i:05},\"{}\"\n", "line\n".repeat(40)));
    }
    std::fs::write(&csv, text).unwrap();
    assert_eq!(
        kapture_crm_cli::rows::count_rows(
            &csv,
            kapture_crm_cli::rows::Format::Csv,
            &Default::default(),
            &Default::default()
        ),
        Some(100)
    );
}

/// Case 11: `--rate 1e-300` panicked; 0, -5 and NaN ran unlimited; the
/// concurrency was clamped. The core's rules, the same in every front end.
#[test]
fn case_11_settings_are_refused_as_the_core_refuses_them() {
    let dir = workdir("settings");
    let csv = dir.join("customers.csv");
    write_csv(&csv, 5, &[]);
    let sandbox = sandbox(Faults::default());
    for (flag, value, expected) in [
        ("--rate", "1e-300", "rate must be"),
        ("--rate", "0", "rate must be"),
        ("--rate", "-5", "rate must be"),
        ("--rate", "NaN", "rate must be"),
        ("--concurrency", "0", "concurrency must be"),
        ("--concurrency", "5000", "concurrency must be"),
        ("--max-retries", "-1", "--max-retries must be"),
    ] {
        let out = kapture()
            .args(["import", csv.to_str().unwrap(), "--map", "Mobile No=phone"])
            .args(["--token", sandbox.token(), "--base-url", sandbox.url()])
            .arg(format!("{flag}={value}"))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{flag} {value}");
        assert!(
            stderr(&out).contains(expected),
            "{flag} {value}: {}",
            stderr(&out)
        );
    }
    assert_eq!(sandbox.stats().add_update_requests, 0);
}

/// Case 15: `--token` is visible in the process list; a file or stdin is not.
#[test]
fn case_15_token_from_a_file_or_stdin() {
    let dir = workdir("tokenfile");
    let csv = dir.join("customers.csv");
    write_csv(&csv, 3, &[]);
    let sandbox = Sandbox::start_background(SandboxConfig::default()).unwrap();
    let token_file = dir.join("token");
    std::fs::write(&token_file, format!("{}\n", sandbox.token())).unwrap();
    let args = |token: &str| {
        vec![
            "import".to_string(),
            csv.to_str().unwrap().to_string(),
            "--map".into(),
            "Mobile No=phone".into(),
            "--token-file".into(),
            token.to_string(),
            "--base-url".into(),
            sandbox.url().to_string(),
        ]
    };
    let out = kapture()
        .args(args(token_file.to_str().unwrap()))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(count(&out, "added"), 3);

    std::fs::remove_file(crate_journal(&csv)).unwrap();
    sandbox.clear();
    let mut child = kapture()
        .args(args("-"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{}\n", sandbox.token()).as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(count(&out, "added"), 3);

    let help = kapture().args(["import", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(
        help.contains("--token-file") && help.contains("prefer KAPTURE_TOKEN"),
        "{help}"
    );
    let both = Command::new(env!("CARGO_BIN_EXE_kapture"))
        .args(["import", "x.csv", "--token", "a", "--token-file", "b"])
        .output()
        .unwrap();
    assert_eq!(both.status.code(), Some(2));
}

fn crate_journal(csv: &std::path::Path) -> std::path::PathBuf {
    let journals = journals_of(csv);
    assert_eq!(journals.len(), 1, "{journals:?}");
    journals[0].clone()
}
