//! Step 17 item 3 in one process: two bulk runs (two clients, as two
//! workers would have) pacing one shared rate, through the machine's state
//! file and through a real redis-server on 127.0.0.1, measured from the
//! sandbox's arrival times. The four-process measurement is
//! bindings-python/tests/test_shared_rate.py.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use futures_util::StreamExt;
use kapture_crm::bulk::{self, BulkOptions};
use kapture_crm::{AddCustomerRequest, Client};
use kapture_crm_sandbox::{Sandbox, SandboxConfig};

fn client(sandbox: &Sandbox) -> Client {
    Client::builder()
        .token(sandbox.token())
        .base_url(sandbox.url())
        .build()
        .unwrap()
}

fn records(prefix: usize, n: usize) -> Vec<bulk::Input> {
    (0..n)
        .map(|i| {
            Ok(AddCustomerRequest::with_phone(
                format!("Run {prefix} customer {i}"),
                format!("9{prefix}{i:08}"),
            ))
        })
        .collect()
}

/// Two runs at once, each told `rate`, sharing it (or not): the sandbox's
/// arrivals per second, the first half second left out.
async fn two_runs(sandbox: &Sandbox, rate: f64, shared: Option<(&str, &str)>) -> f64 {
    let runs = (0..2).map(|run| {
        let client = client(sandbox);
        let mut options = BulkOptions::new(Some(8.0), true, Some(rate)).unwrap();
        if let Some((scope, limiter)) = shared {
            let scope = (!scope.is_empty()).then_some(scope);
            let limiter = (!limiter.is_empty()).then_some(limiter);
            options = options
                .with_shared_rate(scope, limiter, ("scope", "limiter", "rate"))
                .unwrap();
        }
        async move {
            let outcomes: Vec<_> = bulk::add_customers(
                &client,
                futures_util::stream::iter(records(run, 150)),
                &options,
            )
            .collect()
            .await;
            assert!(outcomes.iter().all(|o| o.result.is_ok()));
        }
    });
    futures_util::future::join_all(runs).await;
    let arrivals = sandbox.arrivals();
    assert_eq!(arrivals.len(), 300);
    let from = arrivals[0] + 0.5;
    let last = arrivals[arrivals.len() - 1];
    let counted = arrivals.iter().filter(|t| **t >= from).count();
    counted as f64 / (last - from)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_runs_with_the_machine_scope_share_one_rate() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let pace = two_runs(&sandbox, 100.0, Some(("machine", ""))).await;
    assert!((95.0..=105.0).contains(&pace), "{pace:.1}/s for both runs");

    // Not shared, each run takes the whole rate for itself.
    let alone = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let pace = two_runs(&alone, 100.0, None).await;
    assert!(pace > 180.0, "{pace:.1}/s");
}

struct Redis(Child);

impl Drop for Redis {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A redis-server of this test's own on a free loopback port.
fn redis() -> (Redis, String) {
    let (redis, port) = redis_with(&[]);
    (redis, format!("redis://127.0.0.1:{port}/0"))
}

/// A redis-server with these extra arguments, and its port.
fn redis_with(extra: &[&str]) -> (Redis, u16) {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new("redis-server")
        .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
        .args(["--save", "", "--appendonly", "no"])
        .args(extra)
        .stdout(Stdio::null())
        .spawn()
        .expect("redis-server (Debian's redis-server package; scripts/test installs it)");
    let redis = Redis(child);
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return (redis, port);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("redis-server did not start on port {port}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_runs_with_one_redis_limiter_share_one_rate() {
    let (_redis, url) = redis();
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let pace = two_runs(&sandbox, 100.0, Some(("", &url))).await;
    assert!((95.0..=105.0).contains(&pace), "{pace:.1}/s for both runs");
}

#[tokio::test]
async fn a_limiter_that_cannot_be_reached_sends_nothing_and_says_why() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let closed = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let options = BulkOptions::new(None, true, Some(10.0))
        .unwrap()
        .with_shared_rate(
            None,
            Some(&format!("redis://127.0.0.1:{closed}")),
            ("scope", "limiter", "rate"),
        )
        .unwrap();
    let outcomes: Vec<_> = bulk::add_customers(
        &client(&sandbox),
        futures_util::stream::iter(records(1, 2)),
        &options,
    )
    .collect()
    .await;
    for outcome in outcomes {
        let error = outcome.result.unwrap_err();
        assert!(!error.outcome_unknown());
        assert!(error.to_string().contains("rate limiter"), "{error}");
    }
    assert_eq!(sandbox.stats().add_update_requests, 0);
}

#[test]
fn a_shared_limiter_needs_a_rate_and_one_place() {
    let no_rate = BulkOptions::new(None, true, None)
        .unwrap()
        .with_shared_rate(
            Some("machine"),
            None,
            ("rate_scope", "rate_limiter", "rate"),
        )
        .unwrap_err();
    assert!(no_rate.to_string().contains("give rate too"), "{no_rate}");
    let both = BulkOptions::new(None, true, Some(5.0))
        .unwrap()
        .with_shared_rate(
            Some("machine"),
            Some("redis://127.0.0.1"),
            ("rate_scope", "rate_limiter", "rate"),
        )
        .unwrap_err();
    assert!(both.to_string().contains("not both"), "{both}");
    let bad = BulkOptions::new(None, true, Some(5.0))
        .unwrap()
        .with_shared_rate(
            None,
            Some("http://x"),
            ("rate_scope", "rate_limiter", "rate"),
        )
        .unwrap_err();
    assert!(
        bad.to_string().contains("rate_limiter must be redis://"),
        "{bad}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_clients_with_the_machine_scope_pace_their_single_calls_together() {
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let calls = (0..2).map(|worker| {
        let client = Client::builder()
            .token(sandbox.token())
            .base_url(sandbox.url())
            .rate(50.0)
            .rate_scope("machine")
            .build()
            .unwrap();
        async move {
            for i in 0..50 {
                let request = AddCustomerRequest::with_phone(
                    format!("W{worker} {i}"),
                    format!("9{worker}{i:08}"),
                );
                client.add_customer(&request).await.unwrap();
            }
        }
    });
    futures_util::future::join_all(calls).await;
    let arrivals = sandbox.arrivals();
    assert_eq!(arrivals.len(), 100);
    // 100 calls at 50/s for both clients together: about 2 s.
    let span = arrivals[99] - arrivals[0];
    assert!(span > 1.9, "{span:.2} s");
    let from = arrivals[0] + 0.5;
    let pace = arrivals.iter().filter(|t| **t >= from).count() as f64 / (arrivals[99] - from);
    assert!((47.5..=52.5).contains(&pace), "{pace:.1}/s");
}

#[test]
fn a_client_rate_is_checked_like_a_run_rate() {
    let refused = Client::builder()
        .token("t")
        .base_url("http://127.0.0.1:9")
        .rate_scope("machine")
        .build()
        .unwrap_err();
    assert!(refused.to_string().contains("give rate too"), "{refused}");
    let refused = Client::builder()
        .token("t")
        .base_url("http://127.0.0.1:9")
        .rate(0.0)
        .build()
        .unwrap_err();
    assert!(refused.to_string().contains("rate must be"), "{refused}");
}

#[tokio::test]
async fn a_redis_limiter_with_a_password_paces_and_a_wrong_password_sends_nothing_or_shows() {
    let (_redis, port) = redis_with(&["--requirepass", "s3cret-pw"]);
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let with = |url: String| {
        Client::builder()
            .token(sandbox.token())
            .base_url(sandbox.url())
            .rate(50.0)
            .rate_limiter(url)
            .build()
            .unwrap()
    };
    let good = with(format!("redis://:s3cret-pw@127.0.0.1:{port}/0"));
    for i in 0..5 {
        let request = AddCustomerRequest::with_phone(format!("Auth {i}"), format!("97{i:08}"));
        good.add_customer(&request).await.unwrap();
    }
    let request = AddCustomerRequest::with_phone("Refused", "9799999999");
    for (url, says) in [
        (format!("redis://:wrong-pw@127.0.0.1:{port}/0"), "WRONGPASS"),
        (format!("redis://127.0.0.1:{port}/0"), "NOAUTH"),
    ] {
        let builder = Client::builder()
            .token(sandbox.token())
            .base_url(sandbox.url())
            .rate(50.0)
            .rate_limiter(url.clone());
        assert!(!format!("{builder:?}").contains("-pw"), "{builder:?}");
        let client = builder.build().unwrap();
        assert!(!format!("{:?}", client.config()).contains("-pw"));
        let error = client.add_customer(&request).await.unwrap_err().to_string();
        assert!(error.contains(says), "{error}");
        assert!(!error.contains("wrong-pw"), "the password shown: {error}");
    }
    assert_eq!(
        sandbox.stats().add_update_requests,
        5,
        "a call went out without the limiter"
    );
}

#[test]
fn client_settings_debug_never_shows_a_secret() {
    let settings = kapture_crm::ClientSettings {
        token: Some("tok-SECRET".into()),
        username: Some("agent".into()),
        password: Some("pass-SECRET".into()),
        default_headers: vec![("x-api-key".into(), "key-SECRET".into())],
        rate: Some(5.0),
        rate_limiter: Some("redis://:redis-SECRET@cache:6379/0".into()),
        ..Default::default()
    };
    let shown = format!("{settings:?}");
    assert!(!shown.contains("SECRET"), "{shown}");
    assert!(shown.contains("agent") && shown.contains("x-api-key") && shown.contains("cache"));
}
