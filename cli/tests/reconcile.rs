//! Issue 12, `kapture import --reconcile`: rows whose outcome is unknown are
//! looked up; found ones are recorded as added without a second send, the
//! others are sent again. Against the sandbox with real dropped connections,
//! its merge rule off so that a double send would show as two customers.

use std::collections::HashSet;

use kapture_crm_sandbox::{Faults, Sandbox, SandboxConfig};

mod common;
use common::*;

fn strict_sandbox(faults: Faults) -> Sandbox {
    Sandbox::start_background(SandboxConfig {
        faults,
        no_merge: true,
        ..SandboxConfig::default()
    })
    .unwrap()
}

/// No retries (a dropped reply stays unknown) and a short timeout (the
/// wait before reconciling).
fn run(sandbox: &Sandbox, csv: &std::path::Path, extra: &[&str]) -> std::process::Output {
    let strict = ["--max-retries", "0", "--timeout", "1"];
    import_plain(sandbox, csv, &[&strict[..], extra].concat())
}

fn assert_each_customer_once(sandbox: &Sandbox, rows: usize) {
    let customers = sandbox.customers();
    let names: HashSet<String> = customers
        .iter()
        .map(|c| {
            c.request["customer_info"]["customer_name"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(customers.len(), rows, "a row was written twice or lost");
    assert_eq!(names.len(), rows);
    assert!(customers.iter().all(|c| c.writes == 1));
}

/// Drops after processing (found by lookup) and before it (re-sent), left
/// unknown by a first run, settled by a second run with --reconcile.
#[test]
fn unknown_rows_of_an_earlier_run_are_found_or_sent_again() {
    let dir = workdir("reconcile-earlier");
    let csv = dir.join("customers.csv");
    write_csv(&csv, 150, &[]);
    let sandbox = strict_sandbox(Faults {
        seed: 21,
        drop_after: 0.08,
        drop_before: 0.08,
        ..Faults::default()
    });
    let first = run(&sandbox, &csv, &[]);
    assert_eq!(first.status.code(), Some(1), "{}", stdout(&first));
    let unknown = count(&first, "unknown");
    assert!(unknown > 0);
    let processed_then_dropped = sandbox.stats().faults_injected["drop_after"];

    sandbox.set_faults(Faults::default()).unwrap();
    let adds_before = sandbox.stats().add_update_requests;
    let second = run(&sandbox, &csv, &["--reconcile", "-v"]);
    assert_eq!(
        second.status.code(),
        Some(0),
        "{}{}",
        stdout(&second),
        stderr(&second)
    );
    assert_eq!(count(&second, "unknown"), 0);
    let line = stdout(&second)
        .lines()
        .find(|l| l.contains("reconciled:"))
        .unwrap()
        .to_string();
    let numbers: Vec<u64> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|n| n.parse().ok())
        .collect();
    let (found, resent) = (numbers[0], numbers[1]);
    assert_eq!(found, processed_then_dropped, "{line}");
    assert_eq!(found + resent, unknown, "{line}");
    assert!(resent > 0, "{line}");
    // Nothing was sent for the found rows: only the re-sends reached add-update.
    assert_eq!(sandbox.stats().add_update_requests - adds_before, resent);
    assert_eq!(sandbox.stats().lookup_requests, unknown);
    assert_each_customer_once(&sandbox, 150);
    // -v: one log line per reconcile decision (step 10).
    let log = stderr(&second);
    let decisions = |what: &str| {
        log.lines()
            .filter(|l| l.contains("kapture_crm::reconcile: row ") && l.contains(what))
            .count() as u64
    };
    assert_eq!(decisions("found customer"), found, "{log}");
    assert_eq!(decisions("not found by lookup"), resent, "{log}");

    // The journal records them: a third run skips every row.
    let third = run(&sandbox, &csv, &[]);
    assert_eq!(count(&third, "skipped"), 150);
}

/// In one run: the rows its own dropped replies left unknown are looked up
/// once sending is over (lookups are retried through the same faults).
#[test]
fn this_runs_unknown_rows_are_reconciled_after_sending() {
    let dir = workdir("reconcile-same-run");
    let csv = dir.join("customers.csv");
    write_csv(&csv, 120, &[]);
    let sandbox = strict_sandbox(Faults {
        seed: 5,
        drop_after: 0.1,
        ..Faults::default()
    });
    let out = kapture()
        .args(["import", csv.to_str().unwrap()])
        .args(["--token", sandbox.token(), "--base-url", sandbox.url()])
        .args(["--timeout", "1", "--reconcile"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert_eq!(count(&out, "unknown"), 0);
    assert!(stdout(&out).contains("re-sent"), "{}", stdout(&out));
    assert_each_customer_once(&sandbox, 120);
}
