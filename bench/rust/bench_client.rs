//! The Rust core's benchmark rows (bench/run): `bench_client ROW URL TOKEN
//! BODY_FILE` prints one JSON line. `seq`: `add_customer_json` one call at a
//! time on a single-threaded runtime; `seq-blocking`: the same through
//! `blocking::Client` (driven on the calling thread); `bulk64`: the bulk
//! engine, 64 in flight; `join64`: 64 tasks each calling
//! `add_customer_json`; `raw-socket-seq`: no client at all, the Python
//! floor row's prepared bytes on one socket, for reference. The body is
//! held as untyped JSON (a `Value`, as the Python rows hold a dict and the
//! Node rows an object) and each call
//! converts, validates and serialises it afresh (`Value` -> validated
//! request -> wire bytes). Before run 20261129T220648Z each call also parsed
//! the body's text, work no peer row does (~9% of a sequential call's CPU).
//! The `rust/micro-*` rows are criterion benchmarks: core/benches/codec.rs.

use std::time::Instant;

use futures_util::StreamExt;
use kapture_crm::bulk::{BulkOptions, Success, add_customers};
use kapture_crm::{AddCustomerRequest, Client};
use serde_json::{Value, json};

const IN_FLIGHT: usize = 64;

/// `BENCH_SCALE=0.1` for a quick try of the harness (figures then mean little).
fn scaled(n: usize) -> usize {
    let scale = std::env::var("BENCH_SCALE")
        .ok()
        .and_then(|s| s.parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s > 0.0)
        .unwrap_or(1.0);
    ((n as f64 * scale) as usize).max(IN_FLIGHT)
}

fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kb| (kb / 1024.0 * 10.0).round() / 10.0)
}

/// `calls` calls of `call`, one at a time: mean, p50, p99.
fn sequential(calls: usize, mut call: impl FnMut() -> bool) -> Value {
    let started = Instant::now();
    let mut latencies = Vec::with_capacity(calls);
    let mut good = 0;
    for _ in 0..calls {
        let t = Instant::now();
        good += usize::from(call());
        latencies.push(t.elapsed().as_secs_f64());
    }
    seq_stats(latencies, good, started.elapsed().as_secs_f64())
}

fn seq_stats(mut latencies: Vec<f64>, good: usize, seconds: f64) -> Value {
    let calls = latencies.len().max(1);
    latencies.sort_by(f64::total_cmp);
    let at = |i: usize| latencies.get(i).copied().unwrap_or_default();
    let us = |v: f64| (v * 1e7).round() / 10.0;
    json!({
        "kind": "seq", "calls": latencies.len(), "good": good, "seconds": seconds,
        "mean_us": us(latencies.iter().sum::<f64>() / calls as f64),
        "p50_us": us(at(calls / 2)),
        "p99_us": us(at(calls * 99 / 100)),
    })
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, row, url, token, body_file] = &args[..] else {
        return Err("usage: bench_client ROW URL TOKEN BODY_FILE".into());
    };
    let text = std::fs::read_to_string(body_file)?;
    let (warmup, seq_calls, par_calls) = (scaled(200), scaled(2000), scaled(20000));
    if row == "raw-socket-seq" {
        let result = raw_socket_seq(url, token, &text, warmup, seq_calls)?;
        print_row(result, row, warmup);
        return Ok(());
    }
    if row == "seq-blocking" {
        // The Rust sync API: each call driven on this thread (no hop).
        let client = kapture_crm::blocking::Client::new(
            Client::builder()
                .token(token.as_str())
                .base_url(url.as_str())
                .max_retries(0),
        )?;
        let body: Value = serde_json::from_str(&text)?;
        let call =
            || matches!(client.add_customer_json(&body), Ok(r) if r.status() == Some("success"));
        for _ in 0..warmup {
            call();
        }
        let result = sequential(seq_calls, call);
        print_row(result, row, warmup);
        return Ok(());
    }
    // Single-threaded, as the bindings' shared runtime is
    // (`kapture_crm::runtime`): on this kind of machine it runs the core
    // faster than a multi-threaded one (20 us of CPU a call at 64 in flight
    // instead of 32; bench/RESULTS.md), so these rows stay the ceiling.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let client = Client::builder()
        .token(token.as_str())
        .base_url(url.as_str())
        .max_retries(0)
        .build()?;
    let body = std::sync::Arc::new(serde_json::from_str::<Value>(&text)?);
    let call = |client: Client, body: std::sync::Arc<Value>| async move {
        matches!(client.add_customer_json(&body).await, Ok(r) if r.status() == Some("success"))
    };
    let result = runtime.block_on(async {
        for _ in 0..warmup {
            call(client.clone(), body.clone()).await;
        }
        let started = Instant::now();
        match row.as_str() {
            "seq" => {
                // One call at a time, each awaited: `sequential` cannot
                // take an async closure, so the latencies are taken here.
                let mut latencies = Vec::with_capacity(seq_calls);
                let mut good = 0;
                for _ in 0..seq_calls {
                    let t = Instant::now();
                    good += usize::from(call(client.clone(), body.clone()).await);
                    latencies.push(t.elapsed().as_secs_f64());
                }
                seq_stats(latencies, good, started.elapsed().as_secs_f64())
            }
            "bulk64" => {
                let options =
                    BulkOptions::new(Some(IN_FLIGHT as f64), false, None).unwrap_or_default();
                let body = body.clone();
                let requests = futures_util::stream::iter(0..par_calls)
                    .map(move |_| AddCustomerRequest::from_json(&body));
                let good = add_customers(&client, requests, &options)
                    .filter(|o| {
                        std::future::ready(
                            matches!(&o.result, Ok(Success::Reply(r)) if r.status() == Some("success")),
                        )
                    })
                    .count()
                    .await;
                let seconds = started.elapsed().as_secs_f64();
                json!({"kind": "inflight64", "calls": par_calls, "good": good, "seconds": seconds,
                       "calls_per_s": (par_calls as f64 / seconds).round()})
            }
            _ => {
                let good = futures_util::stream::iter(0..par_calls)
                    .map(|_| call(client.clone(), body.clone()))
                    .buffer_unordered(IN_FLIGHT)
                    .filter(|ok| std::future::ready(*ok))
                    .count()
                    .await;
                let seconds = started.elapsed().as_secs_f64();
                json!({"kind": "inflight64", "calls": par_calls, "good": good, "seconds": seconds,
                       "calls_per_s": (par_calls as f64 / seconds).round()})
            }
        }
    });
    print_row(result, row, warmup);
    Ok(())
}

/// A row's record, as bench/run reads it: its name, the warm-up calls made
/// (bench/peers/instructions.py counts every call) and the peak RSS.
fn print_row(mut result: Value, row: &str, warmup: usize) {
    result["row"] = json!(format!("rust/{row}"));
    result["warmup"] = json!(warmup);
    result["peak_rss_mb"] = json!(peak_rss_mb());
    println!("{result}");
}

/// `raw-socket-seq`: the Python floor row's work in compiled code, for
/// reference (no target): prepared request bytes on one keep-alive socket,
/// the reply read up to its Content-Length and its JSON parsed. What a
/// sequential call costs on this machine with no HTTP stack at all.
fn raw_socket_seq(
    url: &str,
    token: &str,
    body: &str,
    warmup: usize,
    calls: usize,
) -> Result<Value, Box<dyn std::error::Error>> {
    use std::io::{Read, Write};
    let host = url
        .strip_prefix("http://")
        .ok_or("raw-socket-seq takes an http:// URL")?
        .trim_end_matches('/');
    let body = serde_json::to_vec(&serde_json::from_str::<Value>(body)?)?;
    let mut prepared = format!(
        "POST /ms/customer/customer/api/v1/add-update HTTP/1.1\r\nHost: {host}\r\n\
         Authorization: Basic {token}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    prepared.extend_from_slice(&body);
    let mut socket = std::net::TcpStream::connect(host)?;
    socket.set_nodelay(true)?;
    let mut buffer = vec![0u8; 64 * 1024];
    let mut call = move || -> Option<bool> {
        socket.write_all(&prepared).ok()?;
        let mut filled = 0;
        let (head, length) = loop {
            let read = socket.read(buffer.get_mut(filled..)?).ok()?;
            if read == 0 {
                return None;
            }
            filled += read;
            let got = buffer.get(..filled)?;
            if let Some(end) = got.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = std::str::from_utf8(got.get(..end)?).ok()?;
                let length = head.lines().find_map(|line| {
                    let (name, value) = line.split_once(':')?;
                    name.eq_ignore_ascii_case("content-length")
                        .then(|| value.trim().parse::<usize>().ok())?
                })?;
                break (end + 4, length);
            }
        };
        while filled < head + length {
            let read = socket.read(buffer.get_mut(filled..)?).ok()?;
            if read == 0 {
                return None;
            }
            filled += read;
        }
        let reply: Value = serde_json::from_slice(buffer.get(head..head + length)?).ok()?;
        Some(reply["status"] == "success")
    };
    for _ in 0..warmup {
        call();
    }
    Ok(sequential(calls, || call() == Some(true)))
}
