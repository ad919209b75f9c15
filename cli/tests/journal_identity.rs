//! Step 13, cases 1, 2, 7 and 9: a journal belongs to one CRM and one file
//! (whatever path leads to it), kapture writes only its own files, and a
//! stream is refused at once.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::*;
use kapture_crm_sandbox::{Faults, Sandbox, SandboxConfig};

fn no_merge() -> Sandbox {
    Sandbox::start_background(SandboxConfig {
        no_merge: true,
        ..SandboxConfig::default()
    })
    .unwrap()
}

fn import_into(sandbox: &Sandbox, file: &std::path::Path) -> std::process::Output {
    import(sandbox, file, &["--map", "Mobile No=phone"])
}

/// The README's rehearsal: `kapture sandbox`, `eval` its line, import; then
/// the same file into production. Before: every row "skipped (added by an
/// earlier run)" and production got nothing, exit 0.
#[test]
fn a_rehearsal_in_the_sandbox_then_production_puts_every_row_into_production() {
    let dir = workdir("rehearsal");
    let csv = dir.join("customers.csv");
    write_csv(&csv, 20, &[]);

    // The rehearsal, as the README has it: the printed line is eval'd by a
    // shell, and the import it starts sees the variables.
    let mut rehearsal = kapture()
        .args(["sandbox", "--no-merge"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(rehearsal.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.starts_with("export KAPTURE_BASE_URL="), "{line}");
    let script = format!(
        "eval \"$LINE\" && exec {} import {} --map 'Mobile No=phone'",
        env!("CARGO_BIN_EXE_kapture"),
        csv.display()
    );
    let rehearsed = std::process::Command::new("sh")
        .args(["-c", &script])
        .env("LINE", line.trim())
        .env_remove("KAPTURE_TOKEN")
        .env_remove("KAPTURE_BASE_URL")
        .env_remove("KAPTURE_SUBDOMAIN")
        .output()
        .unwrap();
    assert_eq!(rehearsed.status.code(), Some(0), "{}", stderr(&rehearsed));
    assert_eq!(count(&rehearsed, "added"), 20);
    let _ = rehearsal.kill();
    let _ = rehearsal.wait();

    let production = no_merge();
    let out = import_into(&production, &csv);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(count(&out, "added"), 20, "{}", stdout(&out));
    assert_eq!(production.customers().len(), 20);
    // One journal per CRM, each saying which.
    let journals = journals_of(&csv);
    assert_eq!(journals.len(), 2, "{journals:?}");
    let port = production.port().to_string();
    let production_journal = journals
        .iter()
        .find(|p| p.to_string_lossy().contains(&format!("127.0.0.1-{port}")))
        .expect("a journal named after production");
    let header = std::fs::read_to_string(production_journal).unwrap();
    assert!(
        header.lines().next().unwrap().contains(production.url()),
        "{header}"
    );
    assert!(
        !header.contains(production.token()),
        "the token is never journaled"
    );

    // Each CRM resumes its own: nothing more is sent to production.
    let again = import_into(&production, &csv);
    assert_eq!(count(&again, "skipped"), 20);
    assert_eq!(production.stats().add_update_requests, 20);
}

/// Keys are rotated: a new key on the same endpoint is the same CRM. The
/// journal is resumed, with a warning, and nothing is sent twice.
#[test]
fn a_rotated_key_on_the_same_crm_resumes_its_journal_with_a_warning() {
    let dir = workdir("rotated");
    let csv = dir.join("customers.csv");
    write_csv(&csv, 5, &[]);
    let sandbox = no_merge();
    let first = import_into(&sandbox, &csv);
    assert_eq!(count(&first, "added"), 5);
    let rotated = kapture()
        .args(["import", csv.to_str().unwrap(), "--map", "Mobile No=phone"])
        .args([
            "--token",
            "a-rotated-key-0123456789",
            "--base-url",
            sandbox.url(),
        ])
        .output()
        .unwrap();
    assert_eq!(rotated.status.code(), Some(0), "{}", stderr(&rotated));
    assert_eq!(count(&rotated, "skipped"), 5);
    assert!(
        stderr(&rotated).contains("API key differs"),
        "{}",
        stderr(&rotated)
    );
    assert!(!stderr(&rotated).contains("a-rotated-key"));
    assert_eq!(journals_of(&csv).len(), 1);
    assert_eq!(sandbox.stats().add_update_requests, 5);
    // Said once: the journal now records the new key's check.
    let third = kapture()
        .args(["import", csv.to_str().unwrap(), "--map", "Mobile No=phone"])
        .args([
            "--token",
            "a-rotated-key-0123456789",
            "--base-url",
            sandbox.url(),
        ])
        .output()
        .unwrap();
    assert!(
        !stderr(&third).contains("API key differs"),
        "{}",
        stderr(&third)
    );
}

/// In username/password mode the user is part of the CRM account.
#[test]
fn a_journal_in_username_mode_names_the_user() {
    let dir = workdir("username");
    let csv = dir.join("customers.csv");
    write_csv(&csv, 3, &[]);
    // The sandbox accepts base64("ops:pass-word-1").
    let sandbox = Sandbox::start_background(SandboxConfig {
        token: Some("b3BzOnBhc3Mtd29yZC0x".into()),
        no_merge: true,
        ..SandboxConfig::default()
    })
    .unwrap();
    let password = dir.join("password");
    std::fs::write(&password, "pass-word-1\n").unwrap();
    let out = kapture()
        .args(["import", csv.to_str().unwrap(), "--map", "Mobile No=phone"])
        .args([
            "--username",
            "ops",
            "--password-file",
            password.to_str().unwrap(),
        ])
        .args(["--base-url", sandbox.url()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let journals = journals_of(&csv);
    assert_eq!(journals.len(), 1);
    let name = journals[0]
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    assert!(
        name.contains(&format!("ops@127.0.0.1-{}", sandbox.port())),
        "{name}"
    );
    let text = std::fs::read_to_string(&journals[0]).unwrap();
    assert!(
        !text.contains("pass-word-1") && !text.contains("b3BzOnBhc3Mtd29yZC0x"),
        "{text}"
    );
}

/// An editor's atomic save (`cp f tmp && mv tmp f`) during an import gave
/// the path a new inode: a second import of the path locked that one and
/// ran beside the first (82 of 300 rows written twice). The journal is
/// locked too, so the second import is refused.
#[test]
fn an_editors_atomic_save_during_an_import_does_not_let_a_second_import_run_beside_it() {
    let dir = workdir("atomic-save");
    let csv = dir.join("customers.csv");
    write_csv(&csv, 300, &[]);
    let sandbox = Sandbox::start_background(SandboxConfig {
        no_merge: true,
        faults: Faults {
            latency_ms: 20,
            ..Faults::default()
        },
        ..SandboxConfig::default()
    })
    .unwrap();
    let first = spawn_import(&sandbox, &csv, &["--concurrency", "2"]);
    let started = Instant::now();
    while sandbox.stats().add_update_requests < 10 {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the import did not start"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // The editor saves: a new file renamed over the old name.
    let temp = dir.join("customers.csv.tmp");
    assert!(
        std::process::Command::new("cp")
            .arg(&csv)
            .arg(&temp)
            .status()
            .unwrap()
            .success()
    );
    assert!(
        std::process::Command::new("mv")
            .arg(&temp)
            .arg(&csv)
            .status()
            .unwrap()
            .success()
    );
    let second = kapture()
        .args(["import", csv.to_str().unwrap(), "--map", "Mobile No=phone"])
        .args(["--token", sandbox.token(), "--base-url", sandbox.url()])
        .output()
        .unwrap();
    assert_eq!(second.status.code(), Some(2), "{}", stdout(&second));
    assert!(
        stderr(&second).contains("another `kapture import`"),
        "{}",
        stderr(&second)
    );
    let first = first.wait_with_output().unwrap();
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    assert_eq!(count(&first, "added"), 300);
    assert_eq!(sandbox.customers().len(), 300);
    assert_eq!(sandbox.stats().add_update_requests, 300);
    // The saved file (same rows) resumes the same journal.
    let again = import_into(&sandbox, &csv);
    assert_eq!(count(&again, "skipped"), 300);
}

/// A symlink, a hard link, or the file after `mv` started a fresh journal
/// and sent every row again. One file, one journal, whatever path.
#[test]
fn the_same_file_through_a_link_or_after_a_move_resumes_its_one_journal() {
    let dir = workdir("links");
    let state = dir.join("state");
    let csv = dir.join("customers.csv");
    write_csv(&csv, 50, &[]);
    let sandbox = no_merge();
    let run = |path: &std::path::Path| {
        kapture()
            .env("KAPTURE_STATE_DIR", &state)
            .args(["import", path.to_str().unwrap(), "--map", "Mobile No=phone"])
            .args(["--token", sandbox.token(), "--base-url", sandbox.url()])
            .output()
            .unwrap()
    };
    assert_eq!(count(&run(&csv), "added"), 50);

    let symlink = dir.join("link.csv");
    std::os::unix::fs::symlink(&csv, &symlink).unwrap();
    let out = run(&symlink);
    assert_eq!(count(&out, "skipped"), 50, "{}", stderr(&out));

    let other = dir.join("other");
    std::fs::create_dir(&other).unwrap();
    let hard = other.join("hard.csv");
    std::fs::hard_link(&csv, &hard).unwrap();
    let out = run(&hard);
    assert_eq!(count(&out, "skipped"), 50, "{}", stderr(&out));
    assert!(
        stderr(&out).contains("imported before as"),
        "{}",
        stderr(&out)
    );

    std::fs::remove_file(&hard).unwrap();
    std::fs::remove_file(&symlink).unwrap();
    let moved = other.join("moved.csv");
    assert!(
        std::process::Command::new("mv")
            .arg(&csv)
            .arg(&moved)
            .status()
            .unwrap()
            .success()
    );
    let out = run(&moved);
    assert_eq!(count(&out, "skipped"), 50, "{}", stderr(&out));
    assert_eq!(sandbox.stats().add_update_requests, 50);
    assert_eq!(sandbox.customers().len(), 50);
}

/// A different file under an old name is not the file its journal was for:
/// the run refuses, saying so, and sends nothing.
#[test]
fn another_file_under_an_old_name_is_refused_not_resumed() {
    let dir = workdir("other-file");
    let csv = dir.join("customers.csv");
    write_csv(&csv, 10, &[]);
    let sandbox = no_merge();
    assert_eq!(count(&import_into(&sandbox, &csv), "added"), 10);
    // Next month's customers, saved under the same name.
    let mut text = String::from(
        "customer_name,Mobile No,email_id,city,individual,contact_info.0.first_name\n",
    );
    for i in 1..=10 {
        text.push_str(&format!(
            "December {i},+91 8{i:09},d{i}@example.in,Pune,yes,D{i}\n"
        ));
    }
    std::fs::write(&csv, text).unwrap();
    let out = import_into(&sandbox, &csv);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("belongs to other content"),
        "{}",
        stderr(&out)
    );
    assert_eq!(sandbox.stats().add_update_requests, 10);
}

/// A journal that is a symlink made the import append to the file it
/// points at, and "repair" it by cutting its last line.
#[test]
fn a_journal_that_is_a_symlink_is_never_written_through() {
    let dir = workdir("journal-link");
    let csv = dir.join("customers.csv");
    write_csv(&csv, 3, &[]);
    let sandbox = no_merge();
    let victim = dir.join("victim.txt");
    std::fs::write(&victim, "line one\nno newline at the end").unwrap();
    let journal = dir.join(format!(
        "customers.csv.127.0.0.1-{}.kapture-journal",
        sandbox.port()
    ));
    std::os::unix::fs::symlink(&victim, &journal).unwrap();
    let out = import_into(&sandbox, &csv);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    assert!(stderr(&out).contains("symbolic link"), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(&victim).unwrap(),
        "line one\nno newline at the end"
    );
    assert_eq!(sandbox.stats().add_update_requests, 0);
}

/// A `FILE.failed.csv` link planted before or during a run: the link is
/// replaced by a file of kapture's own, created new; its target untouched.
#[test]
fn a_failures_file_that_is_a_symlink_is_never_written_through() {
    let dir = workdir("failures-link");
    let csv = dir.join("customers.csv");
    write_csv(&csv, 5, &[2, 4]);
    let sandbox = no_merge();
    let victim = dir.join("victim.txt");
    std::fs::write(&victim, "precious").unwrap();
    let failures = dir.join("customers.failed.csv");
    std::os::unix::fs::symlink(&victim, &failures).unwrap();
    let out = import_into(&sandbox, &csv);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
    let meta = std::fs::symlink_metadata(&failures).unwrap();
    assert!(meta.file_type().is_file());
    assert!(
        std::fs::read_to_string(&failures)
            .unwrap()
            .contains("row,error")
    );

    // Created new: whatever sits at the path when it is created is refused.
    let planted = dir.join("planted.csv");
    std::os::unix::fs::symlink(&victim, &planted).unwrap();
    let refused = kapture_crm_cli::own_files::create_new(&planted).unwrap_err();
    assert!(refused.contains("symbolic link"), "{refused}");
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
}

fn lines_of_csv(rows: usize) -> String {
    let mut text = String::from("customer_name,phone\n");
    for i in 0..rows {
        text.push_str(&format!("Stream {i},9{i:09}\n"));
    }
    text
}

/// A named pipe hung silently (sniffed once, reopened to lock, waiting for
/// a second writer); it is refused at once, saying why and what to do.
#[test]
fn a_named_pipe_is_refused_at_once_not_waited_on() {
    let dir = workdir("fifo");
    let fifo = dir.join("customers.csv");
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success()
    );
    let sandbox = no_merge();
    for command in ["import", "validate"] {
        let mut child = kapture()
            .args([command, fifo.to_str().unwrap()])
            .args(if command == "import" {
                vec!["--token", sandbox.token(), "--base-url", sandbox.url()]
            } else {
                vec![]
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let started = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if started.elapsed() > Duration::from_secs(20) {
                let _ = child.kill();
                panic!("kapture {command} of a named pipe hangs");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let out = child.wait_with_output().unwrap();
        assert_eq!(status.code(), Some(2));
        let said = stderr(&out);
        assert!(
            said.contains("pipe") && said.contains("Save it to a file"),
            "{said}"
        );
    }
    assert_eq!(sandbox.stats().add_update_requests, 0);
}

/// `/dev/stdin` (and `<(cat file)`) from a pipe said "no rows" for a
/// stream of 50: refused, saying it is a stream.
#[test]
fn standard_input_from_a_pipe_is_refused_saying_it_is_a_stream() {
    let sandbox = no_merge();
    let mut child = kapture()
        .args(["import", "/dev/stdin", "--format", "csv"])
        .args(["--token", sandbox.token(), "--base-url", sandbox.url()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    // The refusal may come before the writer is done: a broken pipe is fine.
    let _ = stdin.write_all(lines_of_csv(50).as_bytes());
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let said = stderr(&out);
    assert!(said.contains("pipe") && !said.contains("no rows"), "{said}");
    assert_eq!(sandbox.stats().add_update_requests, 0);

    // From a file, standard input is a file: it is imported.
    let dir = workdir("stdin-file");
    let csv = dir.join("c.csv");
    std::fs::write(&csv, lines_of_csv(5)).unwrap();
    let out = kapture()
        .args(["import", "/dev/stdin", "--format", "csv"])
        .args(["--token", sandbox.token(), "--base-url", sandbox.url()])
        .stdin(std::fs::File::open(&csv).unwrap())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(count(&out, "added"), 5);
}

/// Rows failed as `rate_limited` (the sandbox's faults, no retries) in a
/// file of 40; the failures file and the sandbox to recover with.
fn failed_import(
    name: &str,
) -> (
    Workdir,
    std::path::PathBuf,
    std::path::PathBuf,
    Sandbox,
    u64,
) {
    let dir = workdir(name);
    let csv = dir.join("customers.csv");
    write_csv(&csv, 40, &[]);
    let sandbox = no_merge();
    sandbox
        .set_faults(Faults {
            rate_limit: 0.3,
            seed: 7,
            ..Faults::default()
        })
        .unwrap();
    let first = import_plain(
        &sandbox,
        &csv,
        &["--map", "Mobile No=phone", "--max-retries", "0"],
    );
    let failed = count(&first, "failed");
    assert!(failed > 0, "{}", stdout(&first));
    sandbox.set_faults(Faults::default()).unwrap();
    let failures = dir.join("customers.failed.csv");
    (dir, csv, failures, sandbox, failed)
}

/// Fixed by hand, as the README says (a city corrected).
fn fix(failures: &std::path::Path) {
    let fixed = std::fs::read_to_string(failures)
        .unwrap()
        .replace(",Pune,", ",Pune City,");
    std::fs::write(failures, fixed).unwrap();
}

fn each_phone_once(sandbox: &Sandbox) {
    assert_eq!(sandbox.customers().len(), 40);
    let mut phones: Vec<String> = sandbox
        .customers()
        .into_iter()
        .map(|c| c.request["customer_info"]["phone"].to_string())
        .collect();
    phones.sort();
    phones.dedup();
    assert_eq!(phones.len(), 40, "every phone once");
}

/// The README's two recovery paths (import the failures file; re-run the
/// file, where failed rows are tried again) together sent the failed rows
/// twice (6 customers for 3 rows). A failures file's rows are journaled in
/// the original's journal: each row reaches the CRM once.
#[test]
fn the_failures_file_then_a_resume_send_each_row_once() {
    let (_dir, csv, failures, sandbox, failed) = failed_import("recover-a");
    fix(&failures);
    let fixed = import(&sandbox, &failures, &["--map", "Mobile No=phone"]);
    assert_eq!(fixed.status.code(), Some(0), "{}", stderr(&fixed));
    assert_eq!(count(&fixed, "added"), failed);
    // Importing the failures file again sends nothing.
    let again = import(&sandbox, &failures, &["--map", "Mobile No=phone"]);
    assert_eq!(count(&again, "skipped"), failed);
    let resumed = import(&sandbox, &csv, &["--map", "Mobile No=phone"]);
    assert_eq!(resumed.status.code(), Some(0), "{}", stderr(&resumed));
    assert_eq!(count(&resumed, "added"), 0, "{}", stdout(&resumed));
    assert_eq!(count(&resumed, "skipped"), 40);
    each_phone_once(&sandbox);
    // The fixed rows went as fixed; only the original has a journal, and
    // its lines say which file sent them.
    let fixed_city = sandbox
        .customers()
        .iter()
        .filter(|c| c.request["customer_info"]["city"] == "Pune City")
        .count() as u64;
    assert_eq!(fixed_city, failed);
    assert!(journals_of(&failures).is_empty());
    let journal = std::fs::read_to_string(&journals_of(&csv)[0]).unwrap();
    assert!(
        journal.contains("\"via\":\"customers.failed.csv\""),
        "{journal}"
    );
    // The resume had no failures: the failures file is gone with its rows.
    assert!(!failures.exists());
}

/// The other order: a resume would have replaced the fixed failures file
/// (the fixes lost, the rows sent as the original has them). It refuses,
/// saying to import the failures file first; then each row goes once.
#[test]
fn a_resume_refuses_to_replace_a_failures_file_holding_fixes() {
    let (_dir, csv, failures, sandbox, failed) = failed_import("recover-b");
    fix(&failures);
    let before = sandbox.stats().add_update_requests;
    let refused = import(&sandbox, &csv, &["--map", "Mobile No=phone"]);
    assert_eq!(refused.status.code(), Some(2), "{}", stdout(&refused));
    assert!(
        stderr(&refused).contains("changed since kapture wrote it"),
        "{}",
        stderr(&refused)
    );
    assert!(
        stderr(&refused).contains("Import it first"),
        "{}",
        stderr(&refused)
    );
    assert_eq!(sandbox.stats().add_update_requests, before);
    assert!(
        std::fs::read_to_string(&failures)
            .unwrap()
            .contains("Pune City")
    );

    let fixed = import(&sandbox, &failures, &["--map", "Mobile No=phone"]);
    assert_eq!(count(&fixed, "added"), failed);
    let resumed = import(&sandbox, &csv, &["--map", "Mobile No=phone"]);
    assert_eq!(resumed.status.code(), Some(0), "{}", stderr(&resumed));
    assert_eq!(count(&resumed, "added"), 0);
    each_phone_once(&sandbox);
}

/// Unedited, the failures file is the resume's to replace: the failed rows
/// are tried again as they are, once.
#[test]
fn a_resume_tries_failed_rows_again_once_when_the_failures_file_is_untouched() {
    let (_dir, csv, failures, sandbox, failed) = failed_import("recover-c");
    let resumed = import(&sandbox, &csv, &["--map", "Mobile No=phone"]);
    assert_eq!(resumed.status.code(), Some(0), "{}", stderr(&resumed));
    assert_eq!(count(&resumed, "added"), failed);
    assert!(!failures.exists());
    each_phone_once(&sandbox);
}

/// A failures file is written in its original's dialect: importing it with
/// the `--encoding` the original needed reads the original that way too
/// (the original was sniffed on its own, and a latin1 file was refused).
#[test]
fn a_failures_file_of_a_latin1_file_imports_with_the_same_encoding() {
    let dir = workdir("latin1-failures");
    let csv = dir.join("customers.csv");
    std::fs::write(
        &csv,
        b"customer_name,phone\nJos\xe9,9845012345\nRen\xe9e,12345\n",
    )
    .unwrap();
    let sandbox = no_merge();
    let first = import_plain(&sandbox, &csv, &["--encoding", "latin1"]);
    assert_eq!(count(&first, "failed"), 1, "{}", stderr(&first));
    let failures = dir.join("customers.failed.csv");
    let written = std::fs::read(&failures).unwrap();
    let text = String::from_utf8_lossy(&written).replace(",12345,", ",9845012399,");
    // Back to latin1 bytes (the name's é is the one non-ASCII byte).
    let bytes: Vec<u8> = text
        .chars()
        .map(|c| if c == '\u{fffd}' { 0xe9 } else { c as u8 })
        .collect();
    std::fs::write(&failures, bytes).unwrap();
    let again = import_plain(&sandbox, &failures, &["--encoding", "latin1"]);
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    assert_eq!(count(&again, "added"), 1);
    assert!(
        journals_of(&failures).is_empty(),
        "journaled in the original's journal"
    );
}
