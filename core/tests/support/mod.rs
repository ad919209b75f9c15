//! A real HTTP/1.1 server on 127.0.0.1, port 0, that answers from a script
//! and records every request it reads. Raw TCP, so that it can also reset a
//! connection after reading a request or never answer at all.

#![allow(dead_code)]

pub mod certificates;
pub mod scratch;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

pub const VENDOR_REQUEST: &str = include_str!("../../../tests/fixtures/vendor_request.json");
pub const VENDOR_RESPONSE: &str = include_str!("../../../tests/fixtures/vendor_response.json");

/// What the server does with one request.
#[derive(Clone, Debug)]
pub enum Step {
    Reply {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// Read the request, then reset the connection (RST), replying nothing.
    Reset,
    /// Read the request, wait, then do the inner step.
    Delay(Duration, Box<Step>),
}

impl Step {
    pub fn json(status: u16, body: &str) -> Step {
        Step::Reply {
            status,
            headers: vec![("Content-Type".into(), "application/json".into())],
            body: body.as_bytes().to_vec(),
        }
    }

    pub fn raw(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Step {
        Step::Reply {
            status,
            headers: vec![("Content-Type".into(), content_type.into())],
            body: body.into(),
        }
    }

    pub fn success() -> Step {
        Step::json(200, VENDOR_RESPONSE)
    }

    pub fn header(mut self, name: &str, value: &str) -> Step {
        if let Step::Reply { headers, .. } = &mut self {
            headers.push((name.into(), value.into()));
        }
        self
    }

    pub fn after(self, delay: Duration) -> Step {
        Step::Delay(delay, Box::new(self))
    }
}

/// One request as the server read it.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    /// Names lower-cased, in the order sent.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Recorded {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("request body is JSON")
    }
}

#[derive(Default)]
struct State {
    script: VecDeque<Step>,
    requests: Vec<Recorded>,
    connections: usize,
    open: usize,
    in_flight: usize,
    max_in_flight: usize,
}

pub struct Scripted {
    port: u16,
    state: Arc<Mutex<State>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Scripted {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Scripted {
    /// Steps are used in order; the last one repeats forever.
    pub async fn start(steps: Vec<Step>) -> Scripted {
        assert!(!steps.is_empty());
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        Self::serve(listener, steps)
    }

    /// Serves on an already bound listener (to reuse a known port).
    pub fn serve(listener: TcpListener, steps: Vec<Step>) -> Scripted {
        let port = listener.local_addr().unwrap().port();
        let state = Arc::new(Mutex::new(State {
            script: steps.into(),
            ..State::default()
        }));
        let shared = state.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                {
                    let mut state = shared.lock().unwrap();
                    state.connections += 1;
                    state.open += 1;
                }
                let shared = shared.clone();
                tokio::spawn(async move {
                    connection(stream, shared.clone()).await;
                    shared.lock().unwrap().open -= 1;
                });
            }
        });
        Scripted { port, state, task }
    }

    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.state.lock().unwrap().requests.clone()
    }

    pub fn count(&self) -> usize {
        self.state.lock().unwrap().requests.len()
    }

    pub fn connections(&self) -> usize {
        self.state.lock().unwrap().connections
    }

    /// Connections not yet closed (by either side).
    pub fn open_connections(&self) -> usize {
        self.state.lock().unwrap().open
    }

    /// Most requests the server was answering at one time.
    pub fn max_in_flight(&self) -> usize {
        self.state.lock().unwrap().max_in_flight
    }
}

async fn connection(mut stream: TcpStream, state: Arc<Mutex<State>>) {
    let mut buffer = Vec::new();
    loop {
        let Some(request) = read_request(&mut stream, &mut buffer).await else {
            return;
        };
        let step = {
            let mut state = state.lock().unwrap();
            state.requests.push(request);
            state.in_flight += 1;
            state.max_in_flight = state.max_in_flight.max(state.in_flight);
            if state.script.len() > 1 {
                state.script.pop_front().unwrap()
            } else {
                state.script[0].clone()
            }
        };
        let open = perform(&mut stream, step).await;
        state.lock().unwrap().in_flight -= 1;
        if !open {
            return;
        }
    }
}

/// Returns false when the connection is closed.
async fn perform(stream: &mut TcpStream, step: Step) -> bool {
    match step {
        Step::Reply {
            status,
            headers,
            body,
        } => {
            let mut head = format!("HTTP/1.1 {status} {}\r\n", reason(status));
            for (name, value) in headers {
                head.push_str(&format!("{name}: {value}\r\n"));
            }
            head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
            let mut out = head.into_bytes();
            out.extend_from_slice(&body);
            stream.write_all(&out).await.is_ok()
        }
        Step::Reset => {
            let _ = stream.set_zero_linger();
            false
        }
        Step::Delay(delay, inner) => {
            tokio::time::sleep(delay).await;
            Box::pin(perform(stream, *inner)).await
        }
    }
}

async fn read_request(stream: &mut TcpStream, buffer: &mut Vec<u8>) -> Option<Recorded> {
    let head_end = loop {
        if let Some(i) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let mut chunk = [0u8; 8192];
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_string();
    let path = first.next()?.to_string();
    let headers: Vec<(String, String)> = lines
        .filter(|l| !l.is_empty())
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    while buffer.len() < head_end + length {
        let mut chunk = [0u8; 8192];
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
    }
    let body = buffer[head_end..head_end + length].to_vec();
    buffer.drain(..head_end + length);
    Some(Recorded {
        method,
        path,
        headers,
        body,
    })
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        302 => "Found",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

/// A server on a runtime of its own, for tests that call from plain
/// threads (the blocking client); the server lives as long as the runtime.
pub fn serve_off_thread(steps: Vec<Step>) -> (tokio::runtime::Runtime, Scripted) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let server = runtime.block_on(Scripted::start(steps));
    (runtime, server)
}

/// A client for `server` with tiny backoff so retry tests stay quick.
pub fn client_for(server: &Scripted) -> kapture_crm::ClientBuilder {
    kapture_crm::Client::builder()
        .token("test-token-5f2c")
        .base_url(server.base_url())
        .backoff(kapture_crm::Backoff {
            initial: Duration::from_millis(10),
            max: Duration::from_millis(40),
        })
}

pub fn vendor_request() -> Value {
    serde_json::from_str(VENDOR_REQUEST).unwrap()
}

/// A port on 127.0.0.1 that nothing listens on (bound, then freed).
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}
