//! Step 10: a CLI that scripts can drive: `--output json` (one document on
//! stdout, nothing else there), `add --request FILE|-`, help texts that end
//! with the environment and exit codes, completions, `-v`/`-vv`/`--log-file`.

mod common;

use std::io::Write;
use std::process::Stdio;

use common::*;
use kapture_crm_sandbox::Faults;
use serde_json::Value;

const PHONE: &str = "9845012387";
const EMAIL: &str = "asha.rao@example.com";

fn json_of(output: &std::process::Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not one JSON document ({e}):\n{}\nstderr:\n{}",
            stdout(output),
            stderr(output)
        )
    })
}

#[test]
fn import_output_json_is_one_document_with_the_documented_keys() {
    let dir = workdir("json-import");
    let csv = dir.join("customers.csv");
    write_csv(&csv, 6, &[3]);
    let sandbox = sandbox(Faults::default());
    let out = import_plain(&sandbox, &csv, &["--output", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let doc = json_of(&out);
    for key in [
        "rows",
        "added",
        "skipped",
        "failed",
        "duplicate",
        "unknown",
        "not_sent",
        "reconciled",
        "failures_file",
        "journal_file",
        "unknown_rows",
        "journal_failed",
    ] {
        assert!(doc.get(key).is_some(), "no {key} in {doc}");
    }
    assert_eq!(doc["rows"], 6);
    assert_eq!(doc["added"], 5);
    assert_eq!(doc["failed"], 1);
    assert_eq!(doc["duplicate"], 0);
    assert_eq!(doc["unknown_rows"], Value::Array(vec![]));
    let failures = doc["failures_file"].as_str().unwrap();
    assert!(failures.ends_with("customers.failed.csv"), "{failures}");

    // --sandbox: the banner goes to stderr, stdout stays the document.
    let again = kapture()
        .args([
            "import",
            csv.to_str().unwrap(),
            "--sandbox",
            "--output",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(json_of(&again)["added"], 5);
    assert!(stderr(&again).contains("in-process sandbox"));

    // A usage error is a document too.
    let missing = kapture()
        .args([
            "import",
            "/nonexistent/x.csv",
            "--sandbox",
            "--output",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(2));
    let doc = json_of(&missing);
    assert_eq!(doc["ok"], false);
    assert_eq!(doc["error"]["code"], "usage");
}

#[test]
fn validate_output_json_lists_every_problem_with_its_row_and_path() {
    let dir = workdir("json-validate");
    let csv = dir.join("c.csv");
    std::fs::write(
        &csv,
        "customer_name,phone,email_id\nAsha,9845012345,a@b.in\nBad,12345,\n,9845012346,not-an-email\n",
    )
    .unwrap();
    let out = kapture()
        .args(["validate", csv.to_str().unwrap(), "--output", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let doc = json_of(&out);
    assert_eq!(doc["rows"], 3);
    assert_eq!(doc["valid"], 1);
    assert_eq!(doc["invalid"], 2);
    let problems = doc["problems"].as_array().unwrap();
    assert!(
        problems
            .iter()
            .any(|p| p["row"] == 2 && p["path"] == "customer_info.phone"),
        "{doc}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p["row"] == 3 && p["path"] == "customer_info.customer_name"),
        "{doc}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p["row"] == 3 && p["path"] == "customer_info.email_id"),
        "{doc}"
    );
    assert!(
        problems
            .iter()
            .all(|p| p["message"].as_str().is_some_and(|m| !m.is_empty()))
    );
}

#[test]
fn add_reads_the_request_from_a_file_or_stdin_and_json_is_a_hidden_alias() {
    let sandbox = sandbox(Faults::default());
    let dir = workdir("add-request");
    let file = dir.join("request.json");
    std::fs::write(
        &file,
        format!(r#"{{"customer_info": {{"customer_name": "Asha", "phone": "{PHONE}"}}}}"#),
    )
    .unwrap();
    let target = ["--token", sandbox.token(), "--base-url", sandbox.url()];
    let out = kapture()
        .args([
            "add",
            "--request",
            file.to_str().unwrap(),
            "--output",
            "json",
        ])
        .args(target)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let doc = json_of(&out);
    assert_eq!(doc["ok"], true);
    assert!(doc["customer_id"].as_u64().is_some(), "{doc}");
    assert_eq!(doc["response"]["status"], "success");

    let mut child = kapture()
        .args([
            "add",
            "--request",
            "-",
            "--email",
            EMAIL,
            "--output",
            "json",
        ])
        .args(target)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(br#"{"customer_info": {"customer_name": "Ravi", "phone": "9845012399"}}"#)
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(json_of(&out)["ok"], true);
    let stored = sandbox.customers();
    assert!(
        stored
            .iter()
            .any(|c| c.request["customer_info"]["email_id"] == EMAIL)
    );

    // The old name still works, and is not in the help.
    let old = kapture()
        .args(["add", "--json", file.to_str().unwrap()])
        .args(target)
        .output()
        .unwrap();
    assert_eq!(old.status.code(), Some(0), "{}", stderr(&old));
    let help = stdout(&kapture().args(["add", "--help"]).output().unwrap());
    assert!(
        help.contains("--request <FILE>") && !help.contains("--json"),
        "{help}"
    );

    // Two options reading stdin: a usage error, nothing sent.
    let before = sandbox.stats().add_update_requests;
    let both = kapture()
        .args([
            "add",
            "--request",
            "-",
            "--token-file",
            "-",
            "--base-url",
            sandbox.url(),
        ])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(both.status.code(), Some(2));
    assert!(
        stderr(&both).contains("--request - and --token-file - all read standard input"),
        "{}",
        stderr(&both)
    );
    assert_eq!(sandbox.stats().add_update_requests, before);

    // A failed call in JSON: ok false, the error's code, exit 1.
    let bad = kapture()
        .args(["add", "--name", "X", "--phone", PHONE, "--output", "json"])
        .args(["--token", "wrong-token", "--base-url", sandbox.url()])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(1));
    let doc = json_of(&bad);
    assert_eq!(doc["ok"], false);
    assert_eq!(doc["error"]["code"], "authentication");
    assert_eq!(doc["error"]["outcome_unknown"], false);
}

#[test]
fn find_output_json_says_found_or_not() {
    let sandbox = sandbox(Faults::default());
    let target = ["--token", sandbox.token(), "--base-url", sandbox.url()];
    kapture()
        .args(["add", "--name", "Asha", "--phone", PHONE])
        .args(target)
        .output()
        .unwrap();
    let found = kapture()
        .args(["find", "--phone", PHONE, "--output", "json"])
        .args(target)
        .output()
        .unwrap();
    assert_eq!(found.status.code(), Some(0), "{}", stderr(&found));
    let doc = json_of(&found);
    assert_eq!(doc["found"], true);
    assert!(doc["customer"]["id"].as_u64().is_some(), "{doc}");
    let missing = kapture()
        .args(["find", "--phone", "9000000001", "--output", "json"])
        .args(target)
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(1));
    let doc = json_of(&missing);
    assert_eq!(
        (doc["ok"].clone(), doc["found"].clone()),
        (Value::Bool(true), Value::Bool(false))
    );
    assert_eq!(doc["customer"], Value::Null);
}

#[test]
fn help_ends_with_the_environment_and_exit_codes_and_completions_print() {
    for args in [
        vec!["--help"],
        vec!["import", "--help"],
        vec!["add", "--help"],
    ] {
        let help = stdout(&kapture().args(&args).output().unwrap());
        let tail = &help[help.find("Environment:").expect("no Environment section")..];
        for needle in [
            "KAPTURE_TOKEN",
            "KAPTURE_SUBDOMAIN",
            "KAPTURE_BASE_URL",
            "KAPTURE_LOG",
            "Exit codes:",
            "130",
        ] {
            assert!(
                tail.contains(needle),
                "{args:?}: {needle} missing in\n{help}"
            );
        }
    }
    for (shell, marker) in [
        ("bash", "_kapture()"),
        ("zsh", "#compdef kapture"),
        ("fish", "complete -c kapture"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let out = kapture().args(["completions", shell]).output().unwrap();
        assert_eq!(out.status.code(), Some(0));
        let script = stdout(&out);
        assert!(
            script.contains(marker),
            "{shell}: {marker} not in the script"
        );
        // Every subcommand and option is in it (fish spells options `-l output`).
        assert!(
            script.contains("import") && script.contains("output") && script.contains("log-file"),
            "{shell}"
        );
    }
}

#[test]
fn verbose_logs_retries_and_unknown_outcomes_without_the_token_phone_or_email() {
    // Every request rate-limited (Retry-After 0): each attempt and retry logged.
    let busy = sandbox(Faults {
        rate_limit: 1.0,
        retry_after: Some(0),
        ..Faults::default()
    });
    let out = kapture()
        .args([
            "add", "--name", "Asha", "--phone", PHONE, "--email", EMAIL, "-vv",
        ])
        .args([
            "--token",
            busy.token(),
            "--base-url",
            busy.url(),
            "--max-retries",
            "1",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let log = stderr(&out);
    assert!(log.contains("DEBUG kapture_crm::http: attempt 1: POST /ms/customer/customer/api/v1/add-update -> 429"), "{log}");
    assert!(
        log.contains("INFO  kapture_crm::http: retrying after"),
        "{log}"
    );
    assert!(log.contains("attempt 2: POST"), "{log}");
    for secret in [busy.token(), PHONE, EMAIL] {
        assert!(!log.contains(secret), "{secret} logged:\n{log}");
    }

    // Stored, then the connection dropped: the outcome is unknown, a warning
    // at -v, in the log file rather than on stderr.
    let dropping = sandbox(Faults {
        drop_after: 1.0,
        ..Faults::default()
    });
    let dir = workdir("log-file");
    let log_file = dir.join("kapture.log");
    let out = kapture()
        .args([
            "add",
            "--name",
            "Asha",
            "--phone",
            PHONE,
            "-v",
            "--log-file",
        ])
        .arg(&log_file)
        .args(["--token", dropping.token(), "--base-url", dropping.url()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let logged = std::fs::read_to_string(&log_file).unwrap();
    assert!(
        logged.contains("WARN  kapture_crm::http: outcome unknown"),
        "{logged}"
    );
    assert!(!logged.contains("DEBUG"), "-v is info: {logged}");
    assert!(
        !stderr(&out).contains("kapture_crm::http"),
        "{}",
        stderr(&out)
    );
    for secret in [dropping.token(), PHONE] {
        assert!(!logged.contains(secret), "{secret} logged:\n{logged}");
    }

    // Without -v nothing is logged.
    let quiet = kapture()
        .args(["add", "--name", "Asha", "--phone", PHONE])
        .args([
            "--token",
            busy.token(),
            "--base-url",
            busy.url(),
            "--max-retries",
            "0",
        ])
        .output()
        .unwrap();
    assert!(
        !stderr(&quiet).contains("kapture_crm::"),
        "{}",
        stderr(&quiet)
    );
}
