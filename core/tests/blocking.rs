//! The blocking client drives each call on the calling thread: one runtime
//! and one connection pool per thread and client, against a real loopback
//! server.

mod support;

use std::time::{Duration, Instant};

use kapture_crm::{Error, RequestOptions, blocking};
use support::{Step, client_for, serve_off_thread, vendor_request};

#[test]
fn blocking_calls_on_one_thread_reuse_one_connection() {
    let (_rt, server) = serve_off_thread(vec![Step::success()]);
    let client = blocking::Client::new(client_for(&server)).unwrap();
    for _ in 0..5 {
        let reply = client.add_customer_json(&vendor_request()).unwrap();
        assert_eq!(reply.customer_id(), Some(191690263));
    }
    assert_eq!(server.count(), 5);
    assert_eq!(server.connections(), 1);
}

#[test]
fn blocking_client_shared_by_threads_gives_each_thread_its_own_connection() {
    let (_rt, server) = serve_off_thread(vec![Step::success()]);
    let client = blocking::Client::new(client_for(&server)).unwrap();
    // Every thread holds its own connection before any thread ends: a
    // thread that ended first would hand its driver, connection and all, to
    // a thread yet to make its first call (the spare drivers in
    // `blocking.rs`), and the count below would depend on scheduling.
    let all_connected = std::sync::Barrier::new(4);
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| {
                for call in 0..3 {
                    let reply = client.add_customer_json(&vendor_request()).unwrap();
                    assert_eq!(reply.status(), Some("success"));
                    if call == 0 {
                        all_connected.wait();
                    }
                }
            });
        }
    });
    assert_eq!(server.count(), 12);
    // Sequential calls on a thread reuse that thread's connection.
    assert_eq!(server.connections(), 4);
}

#[test]
fn blocking_with_options_shares_the_connection_and_applies_its_timeout() {
    let (_rt, server) = serve_off_thread(vec![
        Step::success(),
        Step::success(),
        Step::success().after(Duration::from_secs(3)),
    ]);
    let client = blocking::Client::new(client_for(&server)).unwrap();
    client.add_customer_json(&vendor_request()).unwrap();
    let patient = client.with_options(&RequestOptions {
        max_retries: Some(0),
        ..RequestOptions::default()
    });
    patient.add_customer_json(&vendor_request()).unwrap();
    assert_eq!(server.connections(), 1, "with_options shares the pool");

    let hasty = patient.with_options(&RequestOptions {
        timeout: Some(Duration::from_millis(200)),
        ..RequestOptions::default()
    });
    let started = Instant::now();
    let err = hasty.add_customer_json(&vendor_request()).unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(2));
    // max_retries 0 kept from `patient`: the slow request was sent once.
    assert_eq!(server.count(), 3);
}

#[test]
fn dropped_blocking_client_lets_its_connection_go_at_the_next_call() {
    let (_rt, server) = serve_off_thread(vec![Step::success()]);
    let first = blocking::Client::new(client_for(&server)).unwrap();
    first.add_customer_json(&vendor_request()).unwrap();
    assert_eq!(server.open_connections(), 1);
    drop(first);

    let second = blocking::Client::new(client_for(&server)).unwrap();
    second.add_customer_json(&vendor_request()).unwrap();
    assert_eq!(server.connections(), 2, "clients never share a pool");
    let deadline = Instant::now() + Duration::from_secs(5);
    while server.open_connections() > 1 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(
        server.open_connections(),
        1,
        "the dropped client's connection is closed"
    );
}

/// After `fork()` the child must not use its copy of the parent's driver
/// (the parent's runtime, whose epoll instance and pooled sockets the two
/// processes would share): its first call builds its own and opens its own
/// connection, and the parent's connection is left as it was. The driver
/// tells a child by `runtime::fork_generation`, not by a process id.
#[cfg(unix)]
#[test]
fn blocking_client_in_a_forked_child_opens_its_own_connection() {
    let (_rt, server) = serve_off_thread(vec![Step::success()]);
    let client = blocking::Client::new(client_for(&server)).unwrap();
    client.add_customer_json(&vendor_request()).unwrap();
    assert_eq!(server.connections(), 1);
    let request = vendor_request();
    // SAFETY: the child makes one call on this thread and leaves with
    // `_exit`, without running the parent's destructors or test harness.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork failed");
    if pid == 0 {
        // SAFETY: a hung child is killed instead of hanging the test.
        unsafe { libc::alarm(20) };
        let ok =
            matches!(client.add_customer_json(&request), Ok(r) if r.status() == Some("success"));
        // SAFETY: as above.
        unsafe { libc::_exit(if ok { 0 } else { 1 }) };
    }
    let mut status = 0;
    // SAFETY: waits for the child made above.
    let waited = unsafe { libc::waitpid(pid, &mut status, 0) };
    assert_eq!(waited, pid);
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "the child's call failed or hung (wait status {status})"
    );
    assert_eq!(
        server.connections(),
        2,
        "the child opened its own connection"
    );
    client.add_customer_json(&vendor_request()).unwrap();
    assert_eq!(server.count(), 3);
    assert_eq!(
        server.connections(),
        2,
        "the parent kept its connection after the child's call"
    );
}

#[test]
fn an_interrupt_stops_a_waiting_call_as_a_cancel_does() {
    let (_rt, server) = serve_off_thread(vec![Step::success().after(Duration::from_secs(20))]);
    let asked = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = asked.clone();
    // "Stop" the fourth time it is asked (once before the call, then every
    // poll): about 0.3 s into the call.
    let client = blocking::Client::new(client_for(&server))
        .unwrap()
        .with_interrupt(std::sync::Arc::new(move || {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst) >= 3
        }));
    let started = Instant::now();
    let error = client.add_customer_json(&vendor_request()).unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(
        matches!(
            error,
            Error::Aborted {
                outcome_unknown: true,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(asked.load(std::sync::atomic::Ordering::SeqCst), 4);
    assert_eq!(server.count(), 1);
}

#[test]
fn an_interrupt_before_the_call_sends_nothing() {
    let (_rt, server) = serve_off_thread(vec![Step::success()]);
    let client = blocking::Client::new(client_for(&server))
        .unwrap()
        .with_interrupt(std::sync::Arc::new(|| true));
    let error = client.add_customer_json(&vendor_request()).unwrap_err();
    assert!(
        matches!(
            error,
            Error::Aborted {
                outcome_unknown: false,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(server.count(), 0);
}

/// Issue 37 item 6: tokio allows blocking inside `spawn_blocking` (how axum
/// handlers call sync code), and that thread has a runtime context; the
/// call runs there on the thread's own driver.
#[test]
fn blocking_client_works_inside_spawn_blocking() {
    let (_rt, server) = serve_off_thread(vec![Step::success()]);
    let client = blocking::Client::new(client_for(&server)).unwrap();
    let app = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let replies = app.block_on(async move {
        tokio::task::spawn_blocking(move || {
            (0..3)
                .map(|_| client.add_customer_json(&vendor_request()).unwrap())
                .collect::<Vec<_>>()
        })
        .await
        .unwrap()
    });
    assert!(replies.iter().all(|r| r.customer_id() == Some(191690263)));
    assert_eq!(server.count(), 3);
    assert_eq!(server.connections(), 1);
}

/// A plain thread that entered a runtime's context (`Runtime::enter`)
/// drives no tasks: the call runs.
#[test]
fn blocking_client_works_under_a_runtime_enter_guard() {
    let (_rt, server) = serve_off_thread(vec![Step::success()]);
    let client = blocking::Client::new(client_for(&server)).unwrap();
    let other = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let _context = other.enter();
    let reply = client.add_customer_json(&vendor_request()).unwrap();
    assert_eq!(reply.status(), Some("success"));
    assert_eq!(server.count(), 1);
}

/// On a thread that runs async tasks the call would stall them (on a
/// single-threaded runtime, forever): it is refused with a message saying
/// what to do, nothing is sent, and no panic is printed or raised.
#[test]
fn blocking_client_refuses_on_a_thread_running_async_tasks() {
    let (_rt, server) = serve_off_thread(vec![Step::success()]);
    let client = blocking::Client::new(client_for(&server)).unwrap();
    let printed = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = printed.clone();
    // Counts what reaches the process's hook (the quiet hook, installed at
    // the first refusal, sits in front of this one).
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if format!("{info}").contains("Cannot start a runtime") {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        }
        previous(info);
    }));
    for flavor in ["current_thread", "multi_thread"] {
        let runtime = match flavor {
            "current_thread" => tokio::runtime::Builder::new_current_thread(),
            _ => tokio::runtime::Builder::new_multi_thread(),
        }
        .enable_all()
        .build()
        .unwrap();
        let client = client.clone();
        let outcome = runtime.block_on(async move {
            tokio::spawn(async move { client.add_customer_json(&vendor_request()) })
                .await
                .unwrap()
        });
        match outcome {
            Err(Error::Config(message)) => {
                assert!(message.contains("spawn_blocking"), "{flavor}: {message}")
            }
            other => panic!("{flavor}: expected a refusal, got {other:?}"),
        }
    }
    assert_eq!(server.count(), 0);
    assert_eq!(printed.load(std::sync::atomic::Ordering::SeqCst), 0);
}
