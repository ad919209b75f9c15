"""CPU a call with 64 in flight, thread by thread, and the server's: what
bounds a binding's calls a second against the core's own row on a machine
whose cores the client and the server share (bench/RESULTS.md).

Usage: python3 cpu.py NAME SERVER_PID -- CMD ROW URL TOKEN BODY
NAME is the row's name in the results (node/ours-64); CMD is its harness;
SERVER_PID is nginx's worker. The row runs with BENCH_SCALE=1 and 3, and
each figure is the difference of the two over the difference of the calls
made (warm-up included), so that start-up, warm-up and teardown cancel out.
The threads are read from /proc while the row runs (every 10 ms):
`schedstat` for the time each ran and the time each waited for a core
while ready to run, `status` for how often each went to sleep and how
often it was preempted. Threads: the process's first ("caller": the Python
or JavaScript thread, or the Rust row's runtime thread), the core's I/O
thread (`kapture-crm-io`) and the rest ("other": V8's helpers, say).
Prints one JSON line."""

from __future__ import annotations

import glob
import json
import os
import subprocess
import sys
import time
from typing import Dict, List, Tuple

FIELDS = ("run_ns", "wait_ns", "sleeps", "preempted")


def thread_figures(task: str) -> Tuple[int, int, int, int]:
    """Time run, time waited for a core, sleeps, preemptions of one thread."""
    with open(task + "/schedstat") as f:
        run_ns, wait_ns, _ = (int(v) for v in f.read().split())
    sleeps = preempted = 0
    with open(task + "/status") as f:
        for line in f:
            if line.startswith("voluntary_ctxt_switches:"):
                sleeps = int(line.split()[1])
            elif line.startswith("nonvoluntary_ctxt_switches:"):
                preempted = int(line.split()[1])
    return run_ns, wait_ns, sleeps, preempted


def kind_of(task: str, pid: int) -> str:
    if task.endswith(f"/{pid}"):
        return "caller"
    try:
        with open(task + "/comm") as f:
            name = f.read().strip()
    except OSError:
        return "other"
    return "io" if name == "kapture-crm-io" else "other"


def one(cmd: List[str], scale: str, server: int) -> Tuple[int, Dict[str, Dict[str, int]]]:
    """(calls made, figures by kind of thread and for the server) of one run."""
    env = dict(os.environ, BENCH_SCALE=scale, BENCH_MAX_SECONDS="300")
    before = thread_figures(f"/proc/{server}")
    child = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=env)
    last: Dict[str, Tuple[str, Tuple[int, int, int, int]]] = {}
    while child.poll() is None:
        for task in glob.glob(f"/proc/{child.pid}/task/*"):
            try:
                last[task] = (kind_of(task, child.pid), thread_figures(task))
            except (OSError, ValueError):
                pass  # the thread ended between the listing and the read
        time.sleep(0.01)
    after = thread_figures(f"/proc/{server}")
    out = child.stdout.read() if child.stdout else ""
    if child.returncode != 0:
        raise SystemExit(f"{cmd}: exited {child.returncode}")
    record = json.loads(out.strip().splitlines()[-1])
    if record.get("good") != record.get("calls"):
        raise SystemExit(f"{cmd}: {record.get('calls')} calls, {record.get('good')} good")
    by: Dict[str, Dict[str, int]] = {k: dict.fromkeys(FIELDS, 0) for k in ("caller", "io", "other")}
    for kind, figures in last.values():
        for field, value in zip(FIELDS, figures):
            by[kind][field] += value
    by["server"] = {field: a - b for field, a, b in zip(FIELDS, after, before)}
    return int(record["calls"]) + int(record.get("warmup", 0)), by


def main() -> None:
    name, server, sep, *cmd = sys.argv[1:]
    if sep != "--" or len(cmd) < 5:
        raise SystemExit(__doc__)
    small_calls, small = one(cmd, "1", int(server))
    big_calls, big = one(cmd, "3", int(server))
    calls = big_calls - small_calls
    threads = {
        kind: {
            "us": round((big[kind]["run_ns"] - small[kind]["run_ns"]) / calls / 1000, 2),
            "waited_us": round((big[kind]["wait_ns"] - small[kind]["wait_ns"]) / calls / 1000, 2),
            "sleeps": round((big[kind]["sleeps"] - small[kind]["sleeps"]) / calls, 3),
            "preempted": round((big[kind]["preempted"] - small[kind]["preempted"]) / calls, 3),
        }
        for kind in ("caller", "io", "other", "server")
    }
    client = sum(threads[k]["us"] for k in ("caller", "io", "other"))
    busiest = max(threads[k]["us"] for k in ("caller", "io"))
    # What two cores could carry at most: no thread runs faster than one
    # core, and the client's and the server's CPU share two.
    bound = min(1e6 / busiest, 2e6 / (client + threads["server"]["us"])) if busiest > 0 else None
    print(json.dumps({
        "row": name,
        "kind": "cpu",
        "calls": calls,
        "threads": threads,
        "client_us": round(client, 2),
        "calls_per_s_bound": round(bound) if bound else None,
    }))


if __name__ == "__main__":
    main()
