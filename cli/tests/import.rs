//! `kapture import` end to end: the real binary against the sandbox, with
//! faults, interruptions and resumes. Nothing lost, nothing doubled.

use std::process::Command;
use std::time::Duration;

use kapture_crm_sandbox::Faults;

mod common;
use common::*;

#[test]
fn ten_thousand_rows_through_faults_then_resume_adds_only_what_is_missing() {
    let dir = workdir("10k");
    let csv = dir.join("customers.csv");
    let bad = [17, 4242, 9999];
    write_csv(&csv, 10_000, &bad);
    let sandbox = sandbox(Faults {
        seed: 11,
        rate_limit: 0.05,
        unavailable: 0.05,
        drop_after: 0.02,
        retry_after: Some(0),
        ..Faults::default()
    });

    let first = import(&sandbox, &csv, &[]);
    assert_eq!(
        first.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    let (added, failed, unknown) = (
        count(&first, "added"),
        count(&first, "failed"),
        count(&first, "unknown"),
    );
    assert_eq!(added + failed + unknown, 10_000, "every row accounted for");
    assert!(
        failed >= 3 && unknown > 0,
        "failed {failed}, unknown {unknown}"
    );
    assert_eq!(unknown, sandbox.stats().faults_injected["drop_after"]);
    assert_eq!(
        sandbox.customers().len() as u64,
        added + unknown,
        "dropped replies were stored"
    );
    assert_nobody_written_twice(&sandbox);

    // Bad rows are in the failures file with a reason naming the field.
    let failures = std::fs::read_to_string(dir.join("customers.failed.csv")).unwrap();
    let header = failures.lines().next().unwrap();
    assert!(header.ends_with(",error"), "{header}");
    for row in bad {
        let line = failures
            .lines()
            .find(|l| l.starts_with(&format!("Customer {row},")))
            .unwrap();
        assert!(
            line.contains("customer_info.phone: expected a phone number"),
            "{line}"
        );
    }

    // Resume without faults: only what is missing is sent; unknown rows are
    // listed, not re-sent.
    sandbox.set_faults(Faults::default()).unwrap();
    let before = sandbox.stats().add_update_requests;
    let second = import(&sandbox, &csv, &[]);
    assert_eq!(count(&second, "skipped"), added);
    assert_eq!(count(&second, "unknown"), unknown);
    let retried = failed - bad.len() as u64; // transient failures of the first run
    assert_eq!(count(&second, "added"), retried);
    assert_eq!(count(&second, "failed"), bad.len() as u64);
    assert_eq!(
        sandbox.stats().add_update_requests - before,
        retried,
        "nothing else was sent"
    );
    assert_eq!(sandbox.customers().len() as u64, 10_000 - bad.len() as u64);
    assert_nobody_written_twice(&sandbox);
    let text = String::from_utf8_lossy(&second.stdout);
    assert!(text.contains("--retry-unknown"), "{text}");

    // On request, the unknown rows go again (the sandbox had stored them,
    // so they come back as updates: exactly why it is never automatic).
    let before = sandbox.stats().add_update_requests;
    let third = import(&sandbox, &csv, &["--retry-unknown"]);
    assert_eq!(count(&third, "added"), unknown);
    assert_eq!(count(&third, "unknown"), 0);
    assert_eq!(sandbox.stats().add_update_requests - before, unknown);
    let written_twice = sandbox.customers().iter().filter(|c| c.writes == 2).count() as u64;
    assert_eq!(written_twice, unknown);
}

#[test]
fn interrupted_import_resumes_without_losing_or_doubling() {
    let dir = workdir("sigint");
    let csv = dir.join("customers.csv");
    write_csv(&csv, 3_000, &[]);
    let sandbox = sandbox(Faults {
        latency_ms: 4,
        ..Faults::default()
    });

    let child = spawn_import(&sandbox, &csv, &["--concurrency", "8"]);
    std::thread::sleep(Duration::from_millis(800));
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let first = child.wait_with_output().unwrap();
    assert_eq!(
        first.status.code(),
        Some(130),
        "{}",
        String::from_utf8_lossy(&first.stdout)
    );
    assert!(String::from_utf8_lossy(&first.stdout).starts_with("Interrupted"));
    let added = count(&first, "added");
    assert!(
        added > 0 && added < 3_000,
        "added {added} before the interrupt"
    );
    assert_eq!(
        count(&first, "unknown"),
        0,
        "in-flight calls finished before exiting"
    );
    assert_eq!(sandbox.customers().len() as u64, added);

    let second = import(&sandbox, &csv, &[]);
    assert_eq!(
        second.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&second.stdout)
    );
    assert_eq!(count(&second, "skipped"), added);
    assert_eq!(count(&second, "added"), 3_000 - added);
    assert_eq!(sandbox.customers().len(), 3_000);
    assert_nobody_written_twice(&sandbox);
}

#[test]
fn a_changed_file_is_refused_on_resume() {
    let dir = workdir("changed");
    let csv = dir.join("customers.csv");
    write_csv(&csv, 50, &[]);
    let sandbox = sandbox(Faults::default());
    assert_eq!(import(&sandbox, &csv, &[]).status.code(), Some(0));
    let text = std::fs::read_to_string(&csv)
        .unwrap()
        .replace("Customer 7,", "Customer Seven,");
    std::fs::write(&csv, text).unwrap();
    let before = sandbox.stats().add_update_requests;
    let refused = import(&sandbox, &csv, &[]);
    assert_eq!(refused.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("row 7") && stderr.contains("changed"),
        "{stderr}"
    );
    assert_eq!(sandbox.stats().add_update_requests, before, "nothing sent");
}

#[test]
fn duplicates_within_a_file_are_reported_not_sent() {
    let dir = workdir("dupes");
    let csv = dir.join("customers.csv");
    std::fs::write(
        &csv,
        "customer_name,phone,email_id,customer_code\n\
         A,+91 90000 00001,a@x.in,C1\n\
         B,+91 90000 00002,b@x.in,C2\n\
         A again,919000000001,other@x.in,C3\n\
         B again,+91 90000 00009,B@X.IN,C4\n",
    )
    .unwrap();
    let sandbox = sandbox(Faults::default());
    let output = import(&sandbox, &csv, &[]);
    assert_eq!(count(&output, "added"), 2);
    assert_eq!(count(&output, "duplicate"), 2);
    let failures = std::fs::read_to_string(dir.join("customers.failed.csv")).unwrap();
    assert!(
        failures.contains("duplicate of row 1 (same phone)"),
        "{failures}"
    );
    assert!(
        failures.contains("duplicate of row 2 (same email_id)"),
        "{failures}"
    );
    assert_eq!(sandbox.customers().len(), 2);
    let allowed_dir = workdir("dupes-allowed");
    let allowed = allowed_dir.join("customers.csv");
    std::fs::copy(&csv, &allowed).unwrap();
    let output = import(&sandbox, &allowed, &["--allow-duplicates"]);
    assert_eq!(count(&output, "skipped"), 0);
}

#[test]
fn validate_lists_problems_by_row_and_sends_nothing() {
    let dir = workdir("validate");
    let csv = dir.join("customers.csv");
    write_csv(&csv, 20, &[3, 11]);
    let output = kapture()
        .args([
            "validate",
            csv.to_str().unwrap(),
            "--map",
            "Mobile No=phone",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains("row 3: customer_info.phone: expected a phone number"),
        "{text}"
    );
    assert!(text.contains("row 11: customer_info.phone"), "{text}");
    assert!(
        text.contains("20 rows, 18 valid, 2 with problems"),
        "{text}"
    );

    // A header that matches no field (nor alias) stops the run.
    let text = std::fs::read_to_string(&csv).unwrap();
    std::fs::write(&csv, text.replacen("Mobile No", "Mobile Nmbr Home", 1)).unwrap();
    let unknown_column = kapture()
        .args(["validate", csv.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(unknown_column.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&unknown_column.stderr);
    assert!(
        stderr.contains("column \"Mobile Nmbr Home\"") && stderr.contains("--map"),
        "{stderr}"
    );
}

#[test]
fn dry_run_and_missing_credentials() {
    let dir = workdir("dry");
    let csv = dir.join("customers.csv");
    write_csv(&csv, 10, &[4]);
    let output = kapture()
        .args([
            "import",
            csv.to_str().unwrap(),
            "--map",
            "Mobile No=phone",
            "--dry-run",
        ])
        .output()
        .unwrap();
    assert_eq!(count(&output, "would send"), 9);
    assert_eq!(count(&output, "failed"), 1);
    assert!(!dir.join("customers.csv.kapture-journal").exists());

    let output = kapture()
        .args(["import", csv.to_str().unwrap(), "--map", "Mobile No=phone"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("KAPTURE_TOKEN") && stderr.contains("--sandbox"),
        "{stderr}"
    );
}

#[test]
fn add_prints_the_reply() {
    let sandbox = sandbox(Faults::default());
    let output = kapture()
        .args([
            "add",
            "--name",
            "ABC",
            "--phone",
            "9380491387",
            "--token",
            sandbox.token(),
            "--base-url",
            sandbox.url(),
        ])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let reply: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(reply["status"], "success");
    assert_eq!(
        sandbox.customers()[0].request["customer_info"]["phone"],
        "9380491387"
    );
    let sandboxed = kapture()
        .args(["add", "--name", "X", "--email", "x@y.in", "--sandbox"])
        .output()
        .unwrap();
    // The banner on stderr; stdout is the reply alone.
    let text = String::from_utf8_lossy(&sandboxed.stderr);
    assert!(text.starts_with("Using an in-process sandbox"), "{text}");
    let reply: serde_json::Value = serde_json::from_slice(&sandboxed.stdout).unwrap();
    assert_eq!(reply["status"], "success");
}
