//! The async and blocking clients behind a TCP proxy that closes connections
//! idle for 0.5 s (tests/tools/idle_proxy.py, as a load balancer or nginx's
//! keepalive_timeout would), and across a server restart: no request that
//! never left is reported as an unknown outcome.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use kapture_crm::{AddCustomerRequest, Client, blocking};
use kapture_crm_sandbox::{Sandbox, SandboxConfig};

const CALLS: usize = 50;

/// The proxy in front of `port`; killed when dropped.
struct Proxy {
    child: Child,
    url: String,
}

impl Proxy {
    fn start(port: u16) -> Proxy {
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/tools/idle_proxy.py");
        let mut child = Command::new("python3")
            .args([script, &port.to_string(), "0.5"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 runs the proxy");
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line.trim().strip_prefix("PORT ").expect("the proxy's port");
        Proxy {
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Idle gaps from [0, 0.3] or [0.7, 1] s: 0.2 s either side of the proxy's
/// 0.5 s cutoff, without the true race right at it.
fn gaps(seed: u64) -> Vec<Duration> {
    let mut rng = fastrand::Rng::with_seed(seed);
    (0..CALLS)
        .map(|_| {
            let seconds = if rng.bool() {
                rng.f64() * 0.3
            } else {
                0.7 + rng.f64() * 0.3
            };
            Duration::from_secs_f64(seconds)
        })
        .collect()
}

fn record(prefix: usize, i: usize) -> AddCustomerRequest {
    AddCustomerRequest::with_phone(format!("Idle {prefix}-{i}"), format!("9{prefix}{i:08}"))
}

fn builder(token: &str, url: &str) -> kapture_crm::ClientBuilder {
    Client::builder().token(token).base_url(url).max_retries(0)
}

#[test]
fn no_false_unknown_outcome_after_idle_gaps_behind_a_proxy_that_closes_idle_connections() {
    let sandbox = Sandbox::start_background(SandboxConfig::default()).unwrap();
    let proxy = Proxy::start(sandbox.port());
    let (token, url) = (sandbox.token().to_string(), proxy.url.clone());

    let blocking_calls = {
        let (token, url) = (token.clone(), url.clone());
        std::thread::spawn(move || {
            let client = blocking::Client::new(builder(&token, &url)).unwrap();
            let mut failures = Vec::new();
            for (i, gap) in gaps(11).into_iter().enumerate() {
                std::thread::sleep(gap);
                if let Err(e) = client.add_customer(&record(1, i)) {
                    failures.push(format!("after {gap:?}: {e}"));
                }
            }
            failures
        })
    };
    let async_calls = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let client = builder(&token, &url).build().unwrap();
            let mut failures = Vec::new();
            for (i, gap) in gaps(12).into_iter().enumerate() {
                tokio::time::sleep(gap).await;
                if let Err(e) = client.add_customer(&record(2, i)).await {
                    failures.push(format!("after {gap:?}: {e}"));
                }
            }
            failures
        })
    });
    assert_eq!(blocking_calls.join().unwrap(), Vec::<String>::new());
    assert_eq!(async_calls.join().unwrap(), Vec::<String>::new());
    assert_eq!(sandbox.stats().add_update_requests, 2 * CALLS as u64);
    assert_eq!(sandbox.customers().len(), 2 * CALLS);
}

#[test]
fn no_false_unknown_outcome_after_the_server_restarts() {
    let first = Sandbox::start_background(SandboxConfig::default()).unwrap();
    let (port, token, url) = (
        first.port(),
        first.token().to_string(),
        first.url().to_string(),
    );
    let blocking_client = blocking::Client::new(builder(&token, &url)).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let async_client = runtime.block_on(async { builder(&token, &url).build().unwrap() });

    blocking_client.add_customer(&record(3, 0)).unwrap();
    runtime
        .block_on(async_client.add_customer(&record(4, 0)))
        .unwrap();
    first.stop();
    let second = Sandbox::start_background(SandboxConfig {
        port,
        token: Some(token),
        ..SandboxConfig::default()
    })
    .unwrap();
    blocking_client.add_customer(&record(3, 1)).unwrap();
    runtime
        .block_on(async_client.add_customer(&record(4, 1)))
        .unwrap();
    assert_eq!(second.stats().add_update_requests, 2);
}

/// The sandbox closes a connection idle for its header timeout; the client
/// lets one go after `POOL_IDLE_TIMEOUT`. The sandbox's must be the longer,
/// with room for a slow machine, so a client never races it.
#[test]
fn the_sandbox_outlasts_the_clients_pool_idle_timeout() {
    assert!(
        kapture_crm_sandbox::DEFAULT_HEADER_TIMEOUT >= kapture_crm::settings::POOL_IDLE_TIMEOUT * 2
    );
}
