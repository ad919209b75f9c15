#!/usr/bin/env bash
# Soak run (issue 9): 200,000 adds each through Python add_customers, Node
# addCustomers (concurrency 64) and `kapture import` with three kill -9s and
# resumes, against a sandbox in another process with mixed faults (429, 503,
# 500, drop_before, drop_after, latency). Checks that every record has
# exactly one outcome, no customer is written twice unless reported unknown,
# RSS stays flat (10% to 100%) and descriptors are released. Not a test:
# figures go to target/bench/soak.jsonl and the closing note.
# Usage: bash bench/soak.sh [RECORDS=200000]
# Needs: a release build of the CLI (built here), kapture_crm installed in
# $PYTHON (default: the test venv target/py-test-venv), bindings-node built.
set -euo pipefail
cd "$(dirname "$0")/.."
records=${1:-200000}
python=${PYTHON:-target/py-test-venv/bin/python}
work=target/bench/soak
mkdir -p "$work"
out=target/bench/soak.jsonl
faults="seed=9,rate_limit=0.02,unavailable=0.02,server_error=0.005,drop_before=0.005,drop_after=0.005,latency_ms=1,retry_after=0"

cargo build --release -q -p kapture-crm-cli
./target/release/kapture sandbox --token soak-token --faults "$faults" > "$work/sandbox.line" &
sandbox=$!
trap 'kill $sandbox 2>/dev/null' EXIT
for _ in $(seq 100); do [ -s "$work/sandbox.line" ] && break; sleep 0.1; done
url=$(sed -E 's/.*KAPTURE_BASE_URL=([^ ]+).*/\1/' "$work/sandbox.line")
echo "sandbox at $url with faults $faults"

clear() { curl -s -X DELETE "$url/sandbox/customers" > /dev/null; }
twice() {
  curl -s "$url/sandbox/customers" | python3 -c 'import json,sys; c=json.load(sys.stdin); print(len(c), sum(1 for x in c if x["writes"] != 1))'
}

echo "==> Python add_customers, $records records"
clear
/usr/bin/time -f "%e s wall, peak RSS %M KiB" "$python" bench/soak/soak_python.py "$url" soak-token "$records" | tee -a "$out"
echo "customers stored, written more than once: $(twice)"

echo "==> Python AsyncClient, 64 in flight, $records records"
clear
/usr/bin/time -f "%e s wall, peak RSS %M KiB" "$python" bench/soak/soak_python_async.py "$url" soak-token "$records" | tee -a "$out"
echo "customers stored, written more than once: $(twice)"

echo "==> Node addCustomers, $records records"
clear
/usr/bin/time -f "%e s wall, peak RSS %M KiB" node --expose-gc bench/soak/soak_node.mjs "$url" soak-token "$records" | tee -a "$out"
echo "customers stored, written more than once: $(twice)"

echo "==> kapture import, $records rows, three kill -9s then resume"
clear
csv="$work/soak-$records.csv"
[ -f "$csv" ] || python3 bench/make_customers.py "$records" "$csv" --bad-every 0 > /dev/null
rm -f "$csv".*kapture-journal "$work/soak-$records.failed.csv"
for kill in 1 2 3; do
  # The binary itself in the background, so that kill -9 hits it.
  ./target/release/kapture import "$csv" --token soak-token --base-url "$url" --concurrency 64 \
    > "$work/run-$kill.txt" 2>&1 &
  pid=$!
  sleep "$(python3 -c 'import random; print(round(random.uniform(1.0, 6.0), 2))')"
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  echo "killed run $kill"
done
status=0
/usr/bin/time -f "%e s wall, peak RSS %M KiB" ./target/release/kapture import "$csv" --token soak-token \
  --base-url "$url" --concurrency 64 > "$work/final.txt" || status=$?
cat "$work/final.txt"
echo "exit $status; customers stored, written more than once: $(twice)"
python3 - "$work/final.txt" "$records" "$out" <<'PY'
import json, re, sys
text = open(sys.argv[1]).read()
grab = lambda label: int(re.search(rf"^\s*{label}:\s+(\d+)", text, re.M).group(1))
line = {"language": "cli", "records": int(sys.argv[2]), "added": grab("added"), "skipped": grab("skipped"),
        "failed": grab("failed"), "unknown": grab("unknown")}
line["outcomes"] = line["added"] + line["skipped"] + line["failed"] + line["unknown"]
print(json.dumps(line))
open(sys.argv[3], "a").write(json.dumps(line) + "\n")
PY
