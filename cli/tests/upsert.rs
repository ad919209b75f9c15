//! Step 17 item 2, `kapture import --upsert phone`: rows whose customer
//! Kapture has are updated (by id, their contacts not added again), the
//! rest added; against the sandbox with duplicates kept separate, so a row
//! added instead of updated would show as a second customer.

use kapture_crm_sandbox::{Duplicates, Sandbox, SandboxConfig};

mod common;
use common::*;

fn strict_sandbox(duplicates: Duplicates) -> Sandbox {
    Sandbox::start_background(SandboxConfig {
        duplicates,
        ..SandboxConfig::default()
    })
    .unwrap()
}

/// Rows `from..=to`, each in `city`.
fn write_rows(path: &std::path::Path, from: usize, to: usize, city: &str) {
    let mut text = String::from(
        "customer_name,Mobile No,email_id,city,contact_info.0.first_name,contact_info.0.contact_person_phone\n",
    );
    for i in from..=to {
        text.push_str(&format!(
            "Customer {i},+91 9{i:09},c{i}@example.in,{city},First{i},9{i:09}\n"
        ));
    }
    std::fs::write(path, text).unwrap();
}

#[test]
fn upsert_updates_the_customers_kapture_has_and_adds_the_rest() {
    let dir = workdir("upsert");
    let first = dir.join("first.csv");
    let second = dir.join("second.csv");
    write_rows(&first, 1, 20, "Pune");
    write_rows(&second, 1, 25, "Goa");
    let sandbox = strict_sandbox(Duplicates::Separate);

    let run = import(&sandbox, &first, &["--upsert", "phone"]);
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}{}",
        stdout(&run),
        stderr(&run)
    );
    assert_eq!(count(&run, "added"), 20);

    let run = import(&sandbox, &second, &["--upsert", "phone"]);
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}{}",
        stdout(&run),
        stderr(&run)
    );
    assert_eq!(count(&run, "added"), 5, "{}", stdout(&run));
    assert_eq!(count(&run, "updated"), 20, "{}", stdout(&run));

    let customers = sandbox.customers();
    assert_eq!(customers.len(), 25, "a row was added instead of updated");
    for customer in &customers {
        assert_eq!(customer.request["customer_info"]["city"], "Goa");
        assert_eq!(customer.contact_ids.len(), 1, "a contact was added again");
    }
    assert_eq!(customers.iter().filter(|c| c.writes == 2).count(), 20);
}

#[test]
fn upsert_refuses_a_key_it_does_not_know() {
    let dir = workdir("upsert-key");
    let file = dir.join("rows.csv");
    write_rows(&file, 1, 2, "Pune");
    let sandbox = strict_sandbox(Duplicates::Merge);
    let run = import(&sandbox, &file, &["--upsert", "mobile"]);
    assert_eq!(run.status.code(), Some(2), "{}", stderr(&run));
    assert!(
        stderr(&run).contains("--upsert must be phone or email"),
        "{}",
        stderr(&run)
    );
    assert_eq!(sandbox.stats().add_update_requests, 0);
}
