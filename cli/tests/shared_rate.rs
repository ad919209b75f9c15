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
