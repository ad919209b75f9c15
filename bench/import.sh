#!/usr/bin/env bash
# Rows per second of `kapture import` against the sandbox (a separate process,
# so the importer's memory is measured alone), and its peak memory.
# Usage: bash bench/import.sh [ROWS=100000] [CONCURRENCY=64]
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-100000}
concurrency=${2:-64}
work=target/bench
mkdir -p "$work"
csv="$work/customers-$rows.csv"
[ -f "$csv" ] || python3 bench/make_customers.py "$rows" "$csv"
rm -f "$csv".*kapture-journal "$work/customers-$rows.failed.csv"
cargo build --release -q -p kapture-crm-cli
./target/release/kapture sandbox --token bench-token > "$work/sandbox.line" &
sandbox=$!
trap 'kill $sandbox 2>/dev/null' EXIT
for _ in $(seq 50); do [ -s "$work/sandbox.line" ] && break; sleep 0.1; done
url=$(sed -E 's/.*KAPTURE_BASE_URL=([^ ]+).*/\1/' "$work/sandbox.line")
echo "importing $rows rows at concurrency $concurrency into the sandbox at $url ($(nproc) cores)"
start=$(date +%s.%N)
status=0
/usr/bin/time -f "peak RSS %M KiB, %e s wall, %U s user, %S s sys" \
  ./target/release/kapture import "$csv" --token bench-token --base-url "$url" \
  --concurrency "$concurrency" ${KAPTURE_BENCH_FLAGS:-} > "$work/summary.txt" 2> "$work/stderr.txt" || status=$?
end=$(date +%s.%N)
cat "$work/summary.txt"
tail -1 "$work/stderr.txt"
python3 -c "print(f'{$rows / ($end - $start):.0f} rows/s (exit {$status})')"
