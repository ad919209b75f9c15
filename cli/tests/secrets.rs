//! Step 13, case 8: every secret the process holds (the token; the password,
//! `user:password` and its base64; each default header's value) is masked
//! in every output of every command, however a server wrote it back.
//!
//! One table: the sandbox's `echo_secrets` fault quotes back the
//! credentials it received in every encoding (`kapture_crm_sandbox::
//! secret_echo`: raw, JSON-escaped once and twice, URL-encoded, HTML
//! entities, cut short, a run of 12); each command runs in each credential
//! mode and output mode, and no output may hold a piece of a secret. The
//! secrets are five-character pieces joined by `+`, `/` and `=`, so any run
//! of 12 of their characters holds a whole piece.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use kapture_crm_sandbox::{Faults, Sandbox, SandboxConfig};

const TOKEN: &str = "Ab3xY+Tk7q9/Mn5pQ=Rs8tU+Wx2yZ/Bc4dE=Gh6iJ+Kl9mN/Op0qR=St1uV+Wx3yZ";
const PASSWORD: &str = "Pw7xQ+Lm3nB/Zk8sT=Yh2uR";
/// base64("ops:" + PASSWORD): the Basic token of user `ops`.
const BASIC: &str = "b3BzOlB3N3hRK0xtM25CL1prOHNUPVloMnVS";
const HEADER: &str = "Hv9aB+Cd2eF/Gh5iJ=Kl8mN+Op1qR";

/// The pieces no output may hold.
fn pieces() -> Vec<&'static str> {
    [TOKEN, PASSWORD, HEADER]
        .iter()
        .flat_map(|s| s.split(['+', '/', '=']))
        .chain(
            // Any 12 characters of the base64 token hold one of these.
            (0..=BASIC.len() - 6).step_by(6).map(|i| &BASIC[i..i + 6]),
        )
        .collect()
}

fn assert_clean(what: &str, text: &str) {
    for piece in pieces() {
        assert!(
            !text.contains(piece),
            "{what}: {piece:?} leaked in:\n{text}"
        );
    }
}

enum Mode {
    Token,
    Password,
}

fn sandbox(mode: &Mode) -> Sandbox {
    Sandbox::start_background(SandboxConfig {
        token: Some(
            match mode {
                Mode::Token => TOKEN,
                Mode::Password => BASIC,
            }
            .into(),
        ),
        faults: Faults {
            echo_secrets: 1.0,
            ..Faults::default()
        },
        ..SandboxConfig::default()
    })
    .unwrap()
}

fn credentials(mode: &Mode, dir: &Path) -> Vec<String> {
    let mut args = vec!["--header".to_string(), format!("x-api-key: {HEADER}")];
    match mode {
        Mode::Token => {
            let file = dir.join("token");
            std::fs::write(&file, TOKEN).unwrap();
            args.extend(["--token-file".into(), file.display().to_string()]);
        }
        Mode::Password => {
            let file = dir.join("password");
            std::fs::write(&file, PASSWORD).unwrap();
            args.extend([
                "--username".into(),
                "ops".into(),
                "--password-file".into(),
                file.display().to_string(),
            ]);
        }
    }
    args
}

/// Every file in `dir` a run wrote (journal, failures file, log).
fn written_files(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            name.contains("kapture-journal") || name.contains(".failed.") || name.ends_with(".log")
        })
        .collect()
}

#[test]
fn no_secret_reaches_any_output_of_any_command_in_any_encoding() {
    for mode in [Mode::Token, Mode::Password] {
        let dir = workdir(match mode {
            Mode::Token => "secrets-token",
            Mode::Password => "secrets-password",
        });
        let sandbox = sandbox(&mode);
        let csv = dir.join("customers.csv");
        write_csv(&csv, 3, &[]);
        let log = dir.join("kapture.log");
        let target = |args: &[&str]| -> Vec<String> {
            let mut all: Vec<String> = args.iter().map(|s| s.to_string()).collect();
            all.extend(credentials(&mode, &dir));
            all.extend(["--base-url".into(), sandbox.url().into()]);
            all
        };
        let csv_arg = csv.display().to_string();
        let log_arg = log.display().to_string();
        let runs: Vec<Vec<String>> = vec![
            target(&[
                "import",
                &csv_arg,
                "--map",
                "Mobile No=phone",
                "--max-retries",
                "0",
            ]),
            target(&["import", &csv_arg, "--no-resume", "--output", "json"]),
            target(&[
                "-vv",
                "--log-file",
                &log_arg,
                "add",
                "--name",
                "Asha",
                "--phone",
                "9845012345",
            ]),
            target(&[
                "add",
                "--name",
                "Asha",
                "--phone",
                "9845012345",
                "--output",
                "json",
            ]),
            target(&["find", "--phone", "9845012345", "--output", "json"]),
            target(&["find", "--phone", "9845012345"]),
        ];
        let mut echoed = 0;
        for args in runs {
            // Each import starts over: the journal is checked, then moved.
            let out = kapture().args(&args).output().unwrap();
            let shown = format!("{}\n{}", stdout(&out), stderr(&out));
            let what = format!("kapture {}", args[..3].join(" "));
            assert_clean(&what, &shown);
            echoed += usize::from(shown.contains("Rejected credentials"));
            for file in written_files(&dir) {
                let text = String::from_utf8_lossy(&std::fs::read(&file).unwrap()).into_owned();
                assert_clean(&format!("{what}: {}", file.display()), &text);
                echoed += usize::from(text.contains("Rejected credentials"));
                if file.to_string_lossy().contains("kapture-journal") {
                    std::fs::remove_file(&file).unwrap();
                }
            }
        }
        // Not vacuous: the server's echo reached the outputs, scrubbed.
        assert!(echoed >= 6, "the echo was seen {echoed} times");
        assert!(sandbox.stats().faults_injected["echo_secrets"] >= 6);
    }
}

/// `--header 'x-api-key=SECRET'` (a typo) printed the whole argument in the
/// usage error and in `--output json`: a usage error names the header,
/// never its value.
#[test]
fn a_malformed_header_option_is_named_never_quoted() {
    for (given, named) in [
        (format!("x-api-key={HEADER}"), "x-api-key"),
        (HEADER.to_string(), ""),
        (format!("x-api-key {HEADER}"), ""),
    ] {
        for json in [false, true] {
            let mut command = kapture();
            command.args(["add", "--name", "A", "--phone", "9845012345"]);
            command.args([
                "--token",
                "tok-0123456789",
                "--base-url",
                "http://127.0.0.1:9",
            ]);
            command.args(["--header", &given]);
            if json {
                command.args(["--output", "json"]);
            }
            let out = command.output().unwrap();
            assert_eq!(out.status.code(), Some(2));
            let shown = format!("{}{}", stdout(&out), stderr(&out));
            assert_clean("usage error", &shown);
            assert!(shown.contains("'Name: value'"), "{shown}");
            assert!(shown.contains(named), "{shown}");
        }
    }
}
