//! A row-level refusal whose message mentions authorisation fails that row
//! only; just a refused key (401/403, the vendor's "Invalid Auth Key")
//! stops an import.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use common::{count, kapture, stderr, workdir, write_csv};

const REFUSAL: &str = r#"{"message": "Unauthorised assignee: asha@example.com is not in your team", "status": "failed"}"#;
const SUCCESS: &str = include_str!("../../tests/fixtures/vendor_response.json");

/// A server that refuses the request carrying `refused_phone` with `REFUSAL`
/// (HTTP 400) and accepts every other; returns its URL and request count.
fn server(refused_phone: &'static str) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let requests = Arc::new(AtomicUsize::new(0));
    let counted = requests.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let counted = counted.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut stream = stream;
                loop {
                    let mut length = 0usize;
                    let mut line = String::new();
                    loop {
                        line.clear();
                        if reader.read_line(&mut line).unwrap_or(0) == 0 {
                            return;
                        }
                        if line == "\r\n" {
                            break;
                        }
                        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                            length = v.trim().parse().unwrap_or(0);
                        }
                    }
                    let mut body = vec![0; length];
                    if reader.read_exact(&mut body).is_err() {
                        return;
                    }
                    counted.fetch_add(1, Ordering::SeqCst);
                    let refused = String::from_utf8_lossy(&body).contains(refused_phone);
                    let (status, reply) = if refused {
                        ("400 Bad Request", REFUSAL)
                    } else {
                        ("200 OK", SUCCESS)
                    };
                    let head = format!(
                        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                        reply.len()
                    );
                    if stream
                        .write_all(head.as_bytes())
                        .and_then(|()| stream.write_all(reply.as_bytes()))
                        .is_err()
                    {
                        return;
                    }
                }
            });
        }
    });
    (url, requests)
}

#[test]
fn a_row_refused_with_a_message_about_authorisation_fails_alone_and_the_import_goes_on() {
    let dir = workdir("refusal-mentions-auth");
    let csv = dir.join("customers.csv");
    write_csv(&csv, 40, &[]);
    // Row 17's phone, as the row mapper normalises "+91 9000000017".
    let (url, requests) = server("9000000017");
    let out = kapture()
        .args(["import", csv.to_str().unwrap(), "--map", "Mobile No=phone"])
        .args([
            "--token",
            "row-level-token",
            "--base-url",
            &url,
            "--max-retries",
            "0",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(count(&out, "added"), 39, "{}", stderr(&out));
    assert_eq!(count(&out, "failed"), 1);
    assert_eq!(requests.load(Ordering::SeqCst), 40);
    assert!(
        !stderr(&out).to_ascii_lowercase().contains("token"),
        "{}",
        stderr(&out)
    );
}
