//! Step 17 item 3, `kapture import --rate N --rate-scope machine`: two
//! imports at once (two processes) share one rate; the flags are checked.

use std::time::Instant;

use kapture_crm_sandbox::Faults;

mod common;
use common::*;

#[test]
fn two_imports_with_the_machine_scope_share_one_rate() {
    let dir = workdir("shared-rate");
    let sandbox = sandbox(Faults::default());
    let files = [dir.join("a.csv"), dir.join("b.csv")];
    write_csv(&files[0], 60, &[]);
    // Other customers in the second file.
    let text = std::fs::read_to_string(&files[0])
        .unwrap()
        .replace("+91 9", "+91 8");
    let text = text
        .replace("Customer ", "Other ")
        .replace("@example.in", "@other.in");
    std::fs::write(&files[1], text).unwrap();
    let started = Instant::now();
    let children: Vec<_> = files
        .iter()
        .map(|file| spawn_import(&sandbox, file, &["--rate", "60", "--rate-scope", "machine"]))
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let seconds = started.elapsed().as_secs_f64();
    assert_eq!(sandbox.stats().add_update_requests, 120);
    // 120 rows at 60/s for both together: about 2 s; alone each would take 1.
    assert!(seconds > 1.8, "{seconds:.2} s");
    assert_nobody_written_twice(&sandbox);
}

#[test]
fn a_shared_scope_without_a_rate_is_a_usage_error() {
    let dir = workdir("shared-rate-usage");
    let sandbox = sandbox(Faults::default());
    let file = dir.join("a.csv");
    write_csv(&file, 2, &[]);
    let run = import(&sandbox, &file, &["--rate-scope", "machine"]);
    assert_eq!(run.status.code(), Some(2), "{}", stderr(&run));
    assert!(stderr(&run).contains("give --rate too"), "{}", stderr(&run));
    let run = import(
        &sandbox,
        &file,
        &["--rate", "5", "--rate-limiter", "redis:/x"],
    );
    assert_eq!(run.status.code(), Some(2), "{}", stderr(&run));
    assert!(
        stderr(&run).contains("--rate-limiter must be redis://"),
        "{}",
        stderr(&run)
    );
    assert_eq!(sandbox.stats().add_update_requests, 0);
}

/// A redis-server of this test's own, with a password, on a free loopback
/// port; stopped when dropped.
struct Redis(std::process::Child, u16);

impl Redis {
    fn with_password(password: &str) -> Redis {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = std::process::Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args([
                "--save",
                "",
                "--appendonly",
                "no",
                "--requirepass",
                password,
            ])
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("redis-server (Debian's redis-server package; scripts/test installs it)");
        let redis = Redis(child, port);
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return redis;
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        panic!("redis-server did not start on port {port}");
    }
}

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The limiter URL with its password comes from KAPTURE_RATE_LIMITER, off
/// the command line: used for a run with --rate (a wrong password sends
/// nothing and is never printed), not for one without, nor with
/// --rate-scope process.
#[test]
fn the_limiter_url_with_a_password_can_come_from_the_environment() {
    let dir = workdir("shared-rate-env");
    let sandbox = sandbox(Faults::default());
    let redis = Redis::with_password("env-s3cret");
    let url = |password: &str| format!("redis://:{password}@127.0.0.1:{}/0", redis.1);
    let runs = std::cell::Cell::new(0);
    // Each run a file of its own (a journal of its own), the same rows.
    let run = |password: &str, extra: &[&str]| {
        runs.set(runs.get() + 1);
        let file = dir.join(format!("run-{}.csv", runs.get()));
        write_csv(&file, 5, &[]);
        kapture()
            .args(["import", file.to_str().unwrap(), "--map", "Mobile No=phone"])
            .args(["--token", sandbox.token(), "--base-url", sandbox.url()])
            .args(extra)
            .env("KAPTURE_RATE_LIMITER", url(password))
            .output()
            .unwrap()
    };

    let wrong = run("wrong-pw", &["--rate", "20"]);
    assert_eq!(wrong.status.code(), Some(2), "{}", stderr(&wrong));
    let said = format!("{}{}", stdout(&wrong), stderr(&wrong));
    assert!(said.contains("WRONGPASS"), "{said}");
    assert!(
        !said.contains("wrong-pw"),
        "the password was printed: {said}"
    );
    assert_eq!(
        sandbox.stats().add_update_requests,
        0,
        "sent without the limiter"
    );

    let alone = run("wrong-pw", &["--rate", "20", "--rate-scope", "process"]);
    assert_eq!(alone.status.code(), Some(0), "{}", stderr(&alone));
    assert_eq!(sandbox.stats().add_update_requests, 5);

    let unpaced = run("wrong-pw", &[]);
    assert_eq!(unpaced.status.code(), Some(0), "{}", stderr(&unpaced));
    assert_eq!(sandbox.stats().add_update_requests, 10);

    let right = run("env-s3cret", &["--rate", "20"]);
    assert_eq!(right.status.code(), Some(0), "{}", stderr(&right));
    assert_eq!(sandbox.stats().add_update_requests, 15);
}
