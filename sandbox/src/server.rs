//! HTTP: routing, the `add-update` handler with its faults, and the
//! `/sandbox/*` endpoints tests use to look inside.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderValue, Method, Request, Response, StatusCode, header};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use serde::Serialize;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::faults::{Fault, Faults};
use crate::store::{Duplicates, NOT_FOUND_MESSAGE, Outcome, Parsed, Store};

pub const ADD_UPDATE_PATH: &str = "/ms/customer/customer/api/v1/add-update";
/// Get Customer, as the vendor serves it (no `/ms/...` prefix, `.html`).
pub const LOOKUP_PATH: &str = "/search-customer-by-customer-id.html";
const MAX_BODY: usize = 1 << 20;

/// Counters of what the sandbox has seen, from `GET /sandbox/stats`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, serde::Deserialize)]
pub struct Stats {
    /// Requests to `add-update`, whatever became of them.
    pub add_update_requests: u64,
    /// Requests to Get Customer (`search-customer-by-customer-id.html`).
    #[serde(default)]
    pub lookup_requests: u64,
    /// Faults injected, by kind.
    pub faults_injected: BTreeMap<String, u64>,
    /// Customers held.
    pub customers: usize,
}

pub(crate) struct Shared {
    pub authorization: String,
    pub store: Mutex<Store>,
    faults: Mutex<FaultState>,
    requests: AtomicU64,
    lookups: AtomicU64,
    started: std::time::Instant,
    /// When each `add-update` request arrived, in microseconds from the start.
    arrivals: Mutex<std::collections::VecDeque<u64>>,
    /// A connection that sends no complete request head for this long (a
    /// half-open one, a slow sender, an idle keep-alive) is closed.
    header_timeout: Duration,
}

struct FaultState {
    faults: Faults,
    rng: fastrand::Rng,
    injected: BTreeMap<String, u64>,
    /// Of `rate_limit_next`, the 429s still to send.
    rate_limited_left: u64,
}

/// Arrival times of `add-update` requests kept, at most (then the oldest go).
const ARRIVALS_KEPT: usize = 1 << 20;

/// A lock that survives a panicked holder: the data is plain and still valid.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Shared {
    pub fn new(
        token: &str,
        faults: Faults,
        duplicates: Duplicates,
        header_timeout: Duration,
    ) -> Self {
        Self {
            authorization: format!("Basic {token}"),
            store: Mutex::new(Store::with_duplicates(duplicates)),
            faults: Mutex::new(FaultState {
                rng: fastrand::Rng::with_seed(faults.seed),
                rate_limited_left: faults.rate_limit_next,
                faults,
                injected: BTreeMap::new(),
            }),
            requests: AtomicU64::new(0),
            lookups: AtomicU64::new(0),
            started: std::time::Instant::now(),
            arrivals: Mutex::default(),
            header_timeout,
        }
    }

    /// Replaces the faults and restarts their sequence from the seed.
    pub fn set_faults(&self, faults: Faults) -> Result<(), String> {
        faults.check()?;
        let mut state = lock(&self.faults);
        state.rng = fastrand::Rng::with_seed(faults.seed);
        state.rate_limited_left = faults.rate_limit_next;
        state.faults = faults;
        Ok(())
    }

    /// When each `add-update` request arrived, in seconds from the start.
    pub fn arrivals(&self) -> Vec<f64> {
        lock(&self.arrivals)
            .iter()
            .map(|us| *us as f64 / 1e6)
            .collect()
    }

    pub fn faults(&self) -> Faults {
        lock(&self.faults).faults.clone()
    }

    pub fn stats(&self) -> Stats {
        Stats {
            add_update_requests: self.requests.load(Ordering::Relaxed),
            lookup_requests: self.lookups.load(Ordering::Relaxed),
            faults_injected: lock(&self.faults).injected.clone(),
            customers: lock(&self.store).len(),
        }
    }

    /// Counts the request (an add, or a lookup) and draws its fault.
    fn next_fault(&self, lookup: bool) -> (Fault, Faults) {
        let counter = if lookup {
            &self.lookups
        } else {
            &self.requests
        };
        counter.fetch_add(1, Ordering::Relaxed);
        if !lookup {
            let mut arrivals = lock(&self.arrivals);
            if arrivals.len() == ARRIVALS_KEPT {
                arrivals.pop_front();
            }
            arrivals.push_back(self.started.elapsed().as_micros() as u64);
        }
        let mut state = lock(&self.faults);
        if state.faults.is_quiet() {
            return (Fault::None, state.faults.clone());
        }
        let fault = if !lookup && state.rate_limited_left > 0 {
            state.rate_limited_left -= 1;
            Fault::RateLimit
        } else {
            let draw = state.rng.f64();
            state.faults.pick(draw)
        };
        if fault != Fault::None {
            *state.injected.entry(fault.name().to_string()).or_default() += 1;
        }
        (fault, state.faults.clone())
    }
}

/// Accepts connections until `shutdown` changes; each connection ends then too.
pub(crate) async fn serve(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // Out of file descriptors and the like: wait, keep serving.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
            _ = shutdown.changed() => return,
        };
        let _ = stream.set_nodelay(true);
        let shared = shared.clone();
        let mut shutdown = shutdown.clone();
        tokio::spawn(async move {
            let header_timeout = shared.header_timeout;
            let service = hyper::service::service_fn(move |request| {
                let shared = shared.clone();
                async move { handle(request, &shared).await }
            });
            let connection = hyper::server::conn::http1::Builder::new()
                .keep_alive(true)
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(header_timeout)
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service);
            tokio::select! {
                _ = connection => {}
                _ = shutdown.changed() => {}
            }
        });
    }
}

/// Returned by the handler to make hyper close the connection unanswered.
#[derive(Debug)]
struct DropConnection;

impl std::fmt::Display for DropConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by fault injection")
    }
}

impl std::error::Error for DropConnection {}

type Reply = Result<Response<Full<Bytes>>, DropConnection>;

async fn handle(request: Request<Incoming>, shared: &Shared) -> Reply {
    let path = request.uri().path().to_string();
    match (request.method().clone(), path.as_str()) {
        (Method::POST, ADD_UPDATE_PATH) => add_update(request, shared).await,
        (_, ADD_UPDATE_PATH) => Ok(failed(StatusCode::METHOD_NOT_ALLOWED, "Use POST")),
        (Method::POST, LOOKUP_PATH) => lookup(request, shared).await,
        (_, LOOKUP_PATH) => Ok(failed(StatusCode::METHOD_NOT_ALLOWED, "Use POST")),
        (Method::GET, "/sandbox/customers") => {
            let customers = lock(&shared.store).customers();
            Ok(json_reply(StatusCode::OK, &json!(customers)))
        }
        (Method::DELETE, "/sandbox/customers") => {
            let mut store = lock(&shared.store);
            let deleted = store.len();
            store.clear();
            Ok(json_reply(StatusCode::OK, &json!({"deleted": deleted})))
        }
        (Method::GET, "/sandbox/faults") => Ok(json_reply(StatusCode::OK, &json!(shared.faults()))),
        (Method::POST | Method::PUT, "/sandbox/faults") => {
            let body = match read_body(request).await {
                Ok(body) => body,
                Err(reply) => return Ok(reply),
            };
            let faults = serde_json::from_slice::<Faults>(&body).map_err(|e| e.to_string());
            match faults.and_then(|f| shared.set_faults(f.clone()).map(|()| f)) {
                Ok(faults) => Ok(json_reply(StatusCode::OK, &json!(faults))),
                Err(message) => Ok(failed(StatusCode::BAD_REQUEST, &message)),
            }
        }
        (Method::GET, "/sandbox/stats") => Ok(json_reply(StatusCode::OK, &json!(shared.stats()))),
        _ => Ok(failed(
            StatusCode::NOT_FOUND,
            &format!("No route for {path}"),
        )),
    }
}

/// The fault drawn for one request: `Err` ends it now (a reply or a
/// dropped connection); `Ok` carries the fault still to apply after the
/// work (DropAfter, Malformed).
async fn before_work(shared: &Shared, lookup: bool) -> Result<Fault, Reply> {
    let (fault, faults) = shared.next_fault(lookup);
    if faults.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(faults.latency_ms)).await;
    }
    let retry_after = |mut reply: Response<Full<Bytes>>| {
        if let Some(seconds) = faults.retry_after {
            reply
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        reply
    };
    match fault {
        Fault::DropBefore => Err(Err(DropConnection)),
        Fault::RateLimit => Err(Ok(retry_after(failed(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many requests, please retry later",
        )))),
        Fault::Unavailable => Err(Ok(retry_after(failed(
            StatusCode::SERVICE_UNAVAILABLE,
            "Service temporarily unavailable",
        )))),
        Fault::ServerError => Err(Ok(failed(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal server error",
        ))),
        Fault::Html => {
            let page = "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head>\
                        <body><h1>502 Bad Gateway</h1><hr><center>nginx</center></body></html>";
            Err(Ok(reply(StatusCode::BAD_GATEWAY, "text/html", page.into())))
        }
        Fault::None | Fault::DropAfter | Fault::Malformed | Fault::EchoSecrets => Ok(fault),
    }
}

/// What every vendor endpoint does first: the fault drawn (before the
/// work), the token checked, the body read. `Err` is the reply to send now.
async fn accept(
    request: Request<Incoming>,
    shared: &Shared,
    lookup: bool,
) -> Result<(Fault, Bytes), Reply> {
    let fault = before_work(shared, lookup).await?;
    if fault == Fault::EchoSecrets {
        let secrets = crate::secret_echo::secrets_in(request.headers());
        return Err(Ok(json_reply(
            StatusCode::BAD_REQUEST,
            &crate::secret_echo::body(&secrets),
        )));
    }
    if !authorized(&request, shared) {
        return Err(Ok(failed(StatusCode::UNAUTHORIZED, "Invalid Auth Key")));
    }
    match read_body(request).await {
        Ok(body) => Ok((fault, body)),
        Err(reply) => Err(Ok(reply)),
    }
}

/// The Malformed fault: the first half of a JSON reply.
fn half_reply(answer: &Value) -> Response<Full<Bytes>> {
    let text = answer.to_string();
    let cut = text[..text.len() / 2].to_string();
    reply(StatusCode::OK, "application/json", cut.into())
}

fn authorized(request: &Request<Incoming>, shared: &Shared) -> bool {
    request
        .headers()
        .get(header::AUTHORIZATION)
        .is_some_and(|v| v.as_bytes() == shared.authorization.as_bytes())
}

/// Get Customer: `[{"kapture_customer_id", "email_id", "phone"}]`; found,
/// the vendor's "Customer Details" object; not found, its failed reply.
/// Faults as for adds (a lookup changes nothing, so DropAfter only loses
/// the reply).
async fn lookup(request: Request<Incoming>, shared: &Shared) -> Reply {
    let (fault, body) = match accept(request, shared, true).await {
        Ok(accepted) => accepted,
        Err(reply) => return reply,
    };
    let query = match serde_json::from_slice::<Value>(&body) {
        Ok(Value::Array(items)) if items.len() == 1 && items[0].is_object() => items[0].clone(),
        _ => {
            return Ok(failed(
                StatusCode::BAD_REQUEST,
                "Expected a JSON array of one object with kapture_customer_id, email_id, phone",
            ));
        }
    };
    let field = |key: &str| {
        query[key].as_str().map(str::to_string).unwrap_or_else(|| {
            query[key]
                .as_u64()
                .map(|n| n.to_string())
                .unwrap_or_default()
        })
    };
    let found = lock(&shared.store).find(
        &field("kapture_customer_id"),
        &field("phone"),
        &field("email_id"),
    );
    let answer = match found {
        Some(details) => json!({"Customer Details": details, "status": "success"}),
        None => json!({"Customer Details": NOT_FOUND_MESSAGE, "status": "failed"}),
    };
    match fault {
        Fault::DropAfter => Err(DropConnection),
        Fault::Malformed => Ok(half_reply(&answer)),
        _ => Ok(json_reply(StatusCode::OK, &answer)),
    }
}

async fn add_update(request: Request<Incoming>, shared: &Shared) -> Reply {
    let (fault, body) = match accept(request, shared, false).await {
        Ok(accepted) => accepted,
        Err(reply) => return reply,
    };
    let parsed = match std::str::from_utf8(&body)
        .map_err(|e| e.to_string())
        .and_then(Parsed::from_body)
    {
        Ok(parsed) => parsed,
        Err(e) => {
            return Ok(failed(
                StatusCode::BAD_REQUEST,
                &format!("Invalid JSON body: {e}"),
            ));
        }
    };
    let outcome = lock(&shared.store).add_update(&parsed);
    if matches!(outcome, Outcome::Written { .. }) {
        match fault {
            Fault::DropAfter => return Err(DropConnection),
            Fault::Malformed => {
                return Ok(half_reply(&outcome.reply()));
            }
            _ => {}
        }
    }
    // The vendor answers rule failures with a "failed" body; the sandbox sends
    // it with 200, so clients must read the body, not only the status.
    Ok(json_reply(StatusCode::OK, &outcome.reply()))
}

async fn read_body(request: Request<Incoming>) -> Result<Bytes, Response<Full<Bytes>>> {
    match Limited::new(request.into_body(), MAX_BODY).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(_) => Err(failed(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Request body larger than 1 MiB or cut short",
        )),
    }
}

fn failed(status: StatusCode, message: &str) -> Response<Full<Bytes>> {
    json_reply(status, &json!({"message": message, "status": "failed"}))
}

fn json_reply(status: StatusCode, body: &Value) -> Response<Full<Bytes>> {
    reply(status, "application/json", body.to_string().into())
}

fn reply(status: StatusCode, content_type: &'static str, body: Bytes) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(body));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}
