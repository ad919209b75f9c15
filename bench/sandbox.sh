#!/usr/bin/env bash
# Requests per second the sandbox serves on this machine: wrk, 64 keep-alive
# connections, the vendor's example body with a new phone each time.
# Usage: bash bench/sandbox.sh [seconds]   (installs wrk with apt if missing)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
cargo build --release -q -p kapture-crm-sandbox
token=bench-token
./target/release/kapture-crm-sandbox --token "$token" > /tmp/kapture-sandbox-bench.line &
pid=$!
trap 'kill $pid 2>/dev/null' EXIT
for _ in $(seq 50); do [ -s /tmp/kapture-sandbox-bench.line ] && break; sleep 0.1; done
url=$(sed -E 's/.*KAPTURE_BASE_URL=([^ ]+).*/\1/' /tmp/kapture-sandbox-bench.line)
echo "sandbox at $url; $(nproc) cores; wrk -t1 -c64 -d${seconds}s"
wrk -t1 -c64 -d"${seconds}s" --latency -s bench/sandbox-add.lua "$url" -- tests/fixtures/vendor_request.json "$token"
echo "customers stored: $(curl -s "$url/sandbox/stats")"
