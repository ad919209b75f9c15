//! `kapture add` behind a TCP proxy that closes connections idle for 1 s
//! (tests/tools/idle_proxy.py): a 429 asking for a 2 s wait, then the retry,
//! which must go out on a fresh connection and succeed.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{kapture, stderr};
use kapture_crm_sandbox::{Faults, Sandbox, SandboxConfig};

#[test]
fn add_retries_on_a_fresh_connection_after_the_proxy_closed_the_idle_one() {
    let sandbox = Sandbox::start_background(SandboxConfig {
        faults: Faults {
            rate_limit: 1.0,
            retry_after: Some(2),
            ..Faults::default()
        },
        ..SandboxConfig::default()
    })
    .unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/tools/idle_proxy.py");
    let mut proxy = Command::new("python3")
        .args([script, &sandbox.port().to_string(), "1.0"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs the proxy");
    let mut line = String::new();
    BufReader::new(proxy.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = format!(
        "http://127.0.0.1:{}",
        line.trim().trim_start_matches("PORT ")
    );

    let add = kapture()
        .args(["add", "--name", "Idle Asha", "--phone", "9845012399"])
        .args(["--token", sandbox.token(), "--base-url", &url])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The first request gets the 429; every later one succeeds.
    let started = Instant::now();
    while sandbox.stats().add_update_requests == 0 && started.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(5));
    }
    sandbox.set_faults(Faults::default()).unwrap();
    let out = add.wait_with_output().unwrap();
    let _ = proxy.kill();
    let _ = proxy.wait();

    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(sandbox.stats().add_update_requests, 2);
    assert_eq!(sandbox.customers().len(), 1);
}
