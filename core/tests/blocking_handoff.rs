//! A thread per call keeps its connection: the runtime and pools of a
//! thread that ended go to the next thread that calls. In a test binary of
//! its own, its tests one at a time: the spare drivers are process-wide,
//! and another test's threads ending at the same time would take their
//! place.

mod support;

static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

use kapture_crm::blocking;
use support::{Step, client_for, serve_off_thread, vendor_request};

/// A thread per call (a threaded dev server, `threading.Thread` per record)
/// must not pay a new connection (and over the internet a TLS handshake)
/// per call: a thread's runtime and pools are handed to the next thread
/// when it ends.
#[test]
fn blocking_calls_from_short_lived_threads_reuse_the_connection() {
    let _alone = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let (_runtime, server) = serve_off_thread(vec![Step::success()]);
    let client = blocking::Client::new(client_for(&server)).unwrap();
    for _ in 0..5 {
        // Joined, not scoped: a scope may end before the thread's
        // thread-local destructors (which hand the driver on) have run.
        let client = client.clone();
        std::thread::spawn(move || client.add_customer_json(&vendor_request()).unwrap())
            .join()
            .unwrap();
    }
    assert_eq!(server.count(), 5);
    assert_eq!(server.connections(), 1);
}

/// More threads end at once than drivers are kept: the rest are dropped
/// with their thread (a runtime dropped in a thread-local destructor), and
/// calls go on.
#[test]
fn many_threads_ending_at_once_drop_what_is_not_kept() {
    let _alone = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let (_runtime, server) = serve_off_thread(vec![Step::success()]);
    let client = blocking::Client::new(client_for(&server)).unwrap();
    let start = std::sync::Barrier::new(12);
    std::thread::scope(|scope| {
        for _ in 0..12 {
            scope.spawn(|| {
                start.wait();
                client.add_customer_json(&vendor_request()).unwrap();
            });
        }
    });
    client.add_customer_json(&vendor_request()).unwrap();
    assert_eq!(server.count(), 13);
}
