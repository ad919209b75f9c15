//! Step 13, case 10: a full disk while journaling exited as a "usage" error
//! (2) without a summary. It stops sending, prints the summary and exits 3;
//! a run with space to spare resumes and sends every row once.
//!
//! The input and its journal sit on a 64 KiB tmpfs, mounted in a mount
//! namespace of the test's own (`unshare -m`, as root).

mod common;

use std::collections::HashSet;
use std::process::Command;

use common::*;
use kapture_crm_sandbox::{Sandbox, SandboxConfig};

fn can_mount() -> bool {
    Command::new("unshare")
        .args(["-m", "sh", "-c", "mount -t tmpfs -o size=16k tmpfs /mnt"])
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn a_full_disk_while_journaling_exits_3_with_the_summary_and_a_resume_sends_each_row_once() {
    assert!(
        can_mount(),
        "this test needs `unshare -m` and tmpfs mounts (root, as CI runs it)"
    );
    let dir = workdir("full-disk");
    let csv = dir.join("customers.csv");
    write_csv(&csv, 300, &[]);
    let small = dir.join("small");
    std::fs::create_dir(&small).unwrap();
    let sandbox = Sandbox::start_background(SandboxConfig {
        no_merge: true,
        ..SandboxConfig::default()
    })
    .unwrap();
    let import = format!(
        "{} import {}/customers.csv --map 'Mobile No=phone' --token {} --base-url {} --concurrency 4",
        env!("CARGO_BIN_EXE_kapture"),
        small.display(),
        sandbox.token(),
        sandbox.url()
    );
    // Run 1 fills the disk; a filler file is then removed to make room, and
    // run 2 resumes. Each run's exit code and output are kept outside.
    let script = format!(
        r#"set -u
mount -t tmpfs -o size=64k tmpfs {small}
cp {csv} {small}/
head -c 12000 /dev/zero > {small}/filler
{import} > {out}/one.out 2> {out}/one.err; echo $? > {out}/one.code
rm {small}/filler
{import} > {out}/two.out 2> {out}/two.err; echo $? > {out}/two.code
cat {small}/*.kapture-journal > {out}/journal.copy
"#,
        small = small.display(),
        csv = csv.display(),
        out = dir.display(),
    );
    let status = Command::new("unshare")
        .args(["-m", "sh", "-c", &script])
        .status()
        .unwrap();
    assert!(status.success());
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap();

    assert_eq!(
        read("one.code").trim(),
        "3",
        "{}{}",
        read("one.out"),
        read("one.err")
    );
    let one = read("one.out");
    assert!(one.contains("added:"), "the summary is printed: {one}");
    assert!(
        read("one.err").contains("the journal could not be written"),
        "{}",
        read("one.err")
    );
    assert!(
        read("one.err").contains("No space left"),
        "{}",
        read("one.err")
    );
    let added_first: u64 = one
        .lines()
        .find_map(|l| l.trim().strip_prefix("added:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap();
    assert!(added_first < 300, "sending stopped: {added_first} added");

    // The resume sends the rest; what run 1 could not journal is unknown,
    // never sent again.
    let code = read("two.code");
    assert!(
        matches!(code.trim(), "0" | "1"),
        "{code} {}",
        read("two.err")
    );
    let customers = sandbox.customers();
    let phones: HashSet<String> = customers
        .iter()
        .map(|c| c.request["customer_info"]["phone"].to_string())
        .collect();
    assert_eq!(phones.len(), customers.len(), "a row was sent twice");
    assert!(customers.iter().all(|c| c.writes == 1));
    let unknown: usize = read("two.out")
        .lines()
        .find_map(|l| l.trim().strip_prefix("unknown:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap();
    assert!(
        customers.len() + unknown >= 300,
        "{} added, {unknown} unknown",
        customers.len()
    );
    assert!(customers.len() <= 300);
    assert!(read("journal.copy").contains("\"state\":\"added\""));
}
