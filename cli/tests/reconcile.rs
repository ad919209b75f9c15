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

fn one_row(dir: &std::path::Path, file: &str, name: &str, email: &str) -> std::path::PathBuf {
    let csv = dir.join(file);
    std::fs::write(
        &csv,
        format!("customer_name,phone,email_id\n{name},9100080000,{email}\n"),
    )
    .unwrap();
    csv
}

/// The CRM holds "Old Customer" with phone 9100080000; a row "New Person"
/// with that phone ended unknown (dropped before the server processed it).
/// `--reconcile` journaled it added with Old Customer's id: New Person was
/// never created, exit 0. A customer that only shares the phone is not the
/// row's: the row stays unknown, saying why.
#[test]
fn reconcile_does_not_take_another_customer_with_the_same_phone_for_the_row() {
    let dir = workdir("reconcile-other");
    let sandbox = strict_sandbox(Faults::default());
    let old = one_row(&dir, "old.csv", "Old Customer", "old@example.in");
    assert_eq!(run(&sandbox, &old, &[]).status.code(), Some(0));
    let old_id = sandbox.customers()[0].customer_id;

    let new = one_row(&dir, "new.csv", "New Person", "new.person@example.in");
    sandbox
        .set_faults(Faults {
            drop_before: 1.0,
            ..Faults::default()
        })
        .unwrap();
    let first = run(&sandbox, &new, &[]);
    assert_eq!(count(&first, "unknown"), 1, "{}", stdout(&first));
    sandbox.set_faults(Faults::default()).unwrap();

    let second = run(&sandbox, &new, &["--reconcile"]);
    assert_eq!(second.status.code(), Some(1), "{}", stdout(&second));
    assert_eq!(count(&second, "unknown"), 1);
    assert_eq!(sandbox.customers().len(), 1, "nothing sent on a guess");
    let journal = std::fs::read_to_string(&journals_of(&new)[0]).unwrap();
    let last = journal.lines().last().unwrap();
    assert!(last.contains("\"state\":\"unknown\""), "{last}");
    assert!(last.contains("its name is not the row's"), "{last}");
    assert!(
        !journal.contains(&format!("\"customer_id\":{old_id}")),
        "{journal}"
    );

    // The same name but another email is not the row's customer either.
    let twin = one_row(&dir, "twin.csv", "Old Customer", "someone.else@example.in");
    sandbox
        .set_faults(Faults {
            drop_before: 1.0,
            ..Faults::default()
        })
        .unwrap();
    run(&sandbox, &twin, &[]);
    sandbox.set_faults(Faults::default()).unwrap();
    let twin_run = run(&sandbox, &twin, &["--reconcile"]);
    assert_eq!(count(&twin_run, "unknown"), 1, "{}", stdout(&twin_run));
    let journal = std::fs::read_to_string(&journals_of(&twin)[0]).unwrap();
    assert!(
        journal.lines().last().unwrap().contains("email"),
        "{journal}"
    );
}

/// The row's own customer (processed, then the reply dropped) is found and
/// recorded as added: same name, same email.
#[test]
fn reconcile_records_the_rows_own_customer_as_added() {
    let dir = workdir("reconcile-own");
    let sandbox = strict_sandbox(Faults {
        drop_after: 1.0,
        ..Faults::default()
    });
    let csv = one_row(&dir, "c.csv", "Asha  Rao", "Asha.Rao@example.in");
    let first = run(&sandbox, &csv, &[]);
    assert_eq!(count(&first, "unknown"), 1, "{}", stdout(&first));
    sandbox.set_faults(Faults::default()).unwrap();
    let second = run(&sandbox, &csv, &["--reconcile"]);
    assert_eq!(second.status.code(), Some(0), "{}", stdout(&second));
    assert_eq!(count(&second, "added"), 1);
    assert_eq!(sandbox.customers().len(), 1);
    let journal = std::fs::read_to_string(&journals_of(&csv)[0]).unwrap();
    assert!(journal.contains("\"found_by\":\"lookup\""), "{journal}");
}

/// With --upsert, a lookup proves nothing (the customer was there before
/// the update): an unknown row is upserted again, so an update lost before
/// Kapture read it is made, and no second customer appears.
#[test]
fn reconcile_with_upsert_sends_the_upsert_again_so_a_lost_update_is_made() {
    let dir = workdir("reconcile-upsert");
    let sandbox = strict_sandbox(Faults::default());
    let old = one_row(&dir, "old.csv", "Old Customer", "old@example.in");
    assert_eq!(run(&sandbox, &old, &[]).status.code(), Some(0));
    let csv = dir.join("moved.csv");
    std::fs::write(
        &csv,
        "customer_name,phone,email_id,city\nOld Customer,9100080000,old@example.in,Goa\n",
    )
    .unwrap();
    sandbox
        .set_faults(Faults {
            drop_before: 1.0,
            ..Faults::default()
        })
        .unwrap();
    let first = run(&sandbox, &csv, &["--upsert", "phone"]);
    assert_eq!(count(&first, "unknown"), 1, "{}", stdout(&first));
    sandbox.set_faults(Faults::default()).unwrap();

    let second = run(&sandbox, &csv, &["--upsert", "phone", "--reconcile"]);
    assert_eq!(
        second.status.code(),
        Some(0),
        "{}{}",
        stdout(&second),
        stderr(&second)
    );
    let held = sandbox.customers();
    assert_eq!(held.len(), 1, "a second customer: {held:?}");
    assert_eq!(
        held[0].request["customer_info"]["city"], "Goa",
        "the lost update was never made"
    );
}
