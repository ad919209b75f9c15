//! Step 13, case 10: the sandbox kept half-open and header-slow connections
//! for ever (2,000 held for 20 s). A connection that sends no complete
//! request head in time, or idles between requests, is closed.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use kapture_crm_sandbox::{Sandbox, SandboxConfig};

/// Whether the server closed `stream` (EOF or reset) within `wait`.
fn closed_by_server(stream: &mut TcpStream, wait: Duration) -> bool {
    stream.set_read_timeout(Some(wait)).unwrap();
    let mut buf = [0u8; 1024];
    loop {
        match stream.read(&mut buf) {
            Ok(0) => return true,
            Ok(_) => continue, // a 408 or the like before the close
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                return false;
            }
            Err(_) => return true,
        }
    }
}

#[test]
fn half_open_slow_and_idle_connections_are_closed_after_the_header_timeout() {
    let sandbox = Sandbox::start_background(SandboxConfig {
        header_timeout: Some(Duration::from_millis(800)),
        ..SandboxConfig::default()
    })
    .unwrap();
    let address = format!("127.0.0.1:{}", sandbox.port());
    let mut held = Vec::new();
    for i in 0..40 {
        let mut stream = TcpStream::connect(&address).unwrap();
        if i % 2 == 1 {
            // Header-slow: half a request head, then nothing.
            stream
                .write_all(b"POST /ms/customer/customer/api/v1/add-update HTTP/1.1\r\nHost: x\r\n")
                .unwrap();
        }
        held.push(stream);
    }
    // Idle keep-alive: one answered request, then nothing.
    let mut idle = TcpStream::connect(&address).unwrap();
    idle.write_all(b"GET /sandbox/stats HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let mut head = [0u8; 12];
    idle.read_exact(&mut head).unwrap();
    assert_eq!(&head, b"HTTP/1.1 200");

    let started = Instant::now();
    for (i, stream) in held.iter_mut().enumerate() {
        assert!(
            closed_by_server(stream, Duration::from_secs(5)),
            "connection {i} still open"
        );
    }
    assert!(
        closed_by_server(&mut idle, Duration::from_secs(5)),
        "the idle connection is still open"
    );
    assert!(started.elapsed() < Duration::from_secs(5));
    // Still serving.
    let mut fresh = TcpStream::connect(&address).unwrap();
    fresh
        .write_all(b"GET /sandbox/stats HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    fresh.read_exact(&mut head).unwrap();
    assert_eq!(&head, b"HTTP/1.1 200");
}
