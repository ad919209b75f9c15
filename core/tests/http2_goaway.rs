//! Step 13, case 10: over HTTP/2, a server's GOAWAY names the last stream
//! it processed; streams above it were never processed. After a GOAWAY
//! and an abrupt close they were all reported as unknown outcomes; they are
//! known not sent (so the engine may send them again), while the streams
//! at or below the last-stream-id stay unknown.
//!
//! The server is written by hand on HTTP/2 frames (over TLS with ALPN h2, as
//! a real Kapture endpoint would speak it), so the test decides exactly what
//! the GOAWAY says and when the connection dies.

mod support;

use kapture_crm::{AddCustomerRequest, Client, Error};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const REPLY: &str = r#"{"status":"success","message":"Customer Added successfully !","customer":{"customer_id":7}}"#;
const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
    let len = payload.len() as u32;
    let mut out = vec![(len >> 16) as u8, (len >> 8) as u8, len as u8, kind, flags];
    out.extend_from_slice(&stream.to_be_bytes());
    out.extend_from_slice(payload);
    out
}

/// A CA's PEM and the port of an HTTP/2 server that answers the first
/// request with a success (so the client holds one h2 connection), waits
/// for the next `burst` requests, then sends GOAWAY naming the first of
/// them as the last it processed, and drops the connection.
async fn goaway_server(burst: usize) -> (String, u16) {
    support::certificates::serve(&[b"h2"], move |mut tls| async move {
        let mut preface = [0u8; 24];
        if tls.read_exact(&mut preface).await.is_err() || preface != PREFACE {
            return;
        }
        let _ = tls.write_all(&frame(0x4, 0, 0, &[])).await;
        let mut completed: Vec<u32> = Vec::new();
        loop {
            let mut head = [0u8; 9];
            if tls.read_exact(&mut head).await.is_err() {
                return;
            }
            let len =
                (usize::from(head[0]) << 16) | (usize::from(head[1]) << 8) | usize::from(head[2]);
            let (kind, flags) = (head[3], head[4]);
            let stream = u32::from_be_bytes([head[5], head[6], head[7], head[8]]) & 0x7fff_ffff;
            let mut payload = vec![0u8; len];
            if tls.read_exact(&mut payload).await.is_err() {
                return;
            }
            match kind {
                // SETTINGS: acknowledged.
                0x4 if flags & 0x1 == 0 => {
                    let _ = tls.write_all(&frame(0x4, 0x1, 0, &[])).await;
                }
                // PING: answered.
                0x6 if flags & 0x1 == 0 => {
                    let _ = tls.write_all(&frame(0x6, 0x1, 0, &payload)).await;
                }
                // HEADERS or DATA ending the request's stream.
                0x0 | 0x1 if flags & 0x1 != 0 => completed.push(stream),
                _ => {}
            }
            if completed.len() == 1 && completed[0] == 1 {
                // The first request: answered (":status 200" is
                // HPACK's static entry 8).
                let _ = tls.write_all(&frame(0x1, 0x4, 1, &[0x88])).await;
                let _ = tls.write_all(&frame(0x0, 0x1, 1, REPLY.as_bytes())).await;
                completed.push(0); // answered
            }
            if completed.len() == 2 + burst {
                // GOAWAY: the first of the burst was the last
                // processed; then the connection dies unannounced.
                let last = completed[2];
                let mut goaway = last.to_be_bytes().to_vec();
                goaway.extend_from_slice(&0u32.to_be_bytes()); // NO_ERROR
                let _ = tls.write_all(&frame(0x7, 0, 0, &goaway)).await;
                let _ = tls.flush().await;
                return; // dropped: no close_notify, no reply
            }
        }
    })
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streams_above_a_goaways_last_stream_id_are_known_not_sent() {
    let (ca_pem, port) = goaway_server(3).await;
    let dir = std::env::temp_dir().join(format!("kapture-goaway-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let ca_file = dir.join("ca.pem");
    std::fs::write(&ca_file, ca_pem).unwrap();
    let client = Client::builder()
        .token("t0k3n-goaway")
        .base_url(format!("https://localhost:{port}"))
        .ca_file(&ca_file)
        .max_retries(0)
        .build()
        .unwrap();
    let request = AddCustomerRequest::with_phone("Asha", "9845012345");
    // One request first, so the three that follow share its connection.
    assert_eq!(
        client.add_customer(&request).await.unwrap().customer_id(),
        Some(7)
    );
    let (a, b, c) = tokio::join!(
        client.add_customer(&request),
        client.add_customer(&request),
        client.add_customer(&request)
    );
    let _ = std::fs::remove_dir_all(&dir);
    let errors: Vec<Error> = [a, b, c].into_iter().map(|r| r.unwrap_err()).collect();
    let unknown = errors.iter().filter(|e| e.outcome_unknown()).count();
    assert_eq!(
        unknown, 1,
        "only the stream the server processed is unknown: {errors:#?}"
    );
    for error in errors.iter().filter(|e| !e.outcome_unknown()) {
        assert!(matches!(error, Error::Connection { .. }), "{error:?}");
        assert!(error.to_string().contains("GOAWAY"), "{error}");
    }
}
