//! A thread per call keeps its connection: the runtime and pools of a
//! thread that ended go to the next thread that calls. In a test binary of
//! its own: the spare drivers are process-wide, and another test's threads
//! ending at the same time would take their place.

mod support;

use kapture_crm::blocking;
use support::{Scripted, Step, client_for, vendor_request};

/// A thread per call (a threaded dev server, `threading.Thread` per record)
/// must not pay a new connection (and over the internet a TLS handshake)
/// per call: a thread's runtime and pools are handed to the next thread
/// when it ends.
#[test]
fn blocking_calls_from_short_lived_threads_reuse_the_connection() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(Scripted::start(vec![Step::success()]));
    let client = blocking::Client::new(client_for(&server)).unwrap();
    for _ in 0..5 {
        std::thread::scope(|scope| {
            scope.spawn(|| client.add_customer_json(&vendor_request()).unwrap());
        });
    }
    assert_eq!(server.count(), 5);
    assert_eq!(server.connections(), 1);
}
