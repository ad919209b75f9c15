"""bench/run's table: medians over the runs of one session, ratios to the
peers measured in the same session, and the step 11 targets, met or not.
Usage: python3 report.py THIS_RUN.jsonl RESULTS.md"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
from collections import defaultdict
from typing import Any, Dict, List, Optional, Tuple


def load(path: str) -> Dict[Tuple[str, str], Dict[str, float]]:
    by_row: Dict[Tuple[str, str], List[Dict[str, Any]]] = defaultdict(list)
    with open(path) as f:
        for line in f:
            if line.strip():
                r = json.loads(line)
                by_row[(r["target"], r["row"])].append(r)
    medians: Dict[Tuple[str, str], Dict[str, float]] = {}
    for key, rows in by_row.items():
        m: Dict[str, float] = {}
        for field in ("p50_us", "p99_us", "mean_us", "calls_per_s", "peak_rss_mb", "us_per_call", "rss_20k_mb", "rss_200k_mb", "growth"):
            values = [r[field] for r in rows if r.get(field) is not None]
            if values:
                m[field] = statistics.median(values)
        m["runs"] = len(rows)
        m["bad"] = sum(r.get("calls", 0) - r.get("good", 0) for r in rows if "good" in r)
        medians[key] = m
    return medians


def machine() -> str:
    model = ""
    try:
        with open("/proc/cpuinfo") as f:
            model = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")), "")
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {model or platform.machine()}, {platform.system()}"


def main() -> None:
    source, results_md = sys.argv[1], sys.argv[2]
    med = load(source)
    targets = sorted({t for t, _ in med})
    lines: List[str] = []
    for target in targets:
        rows = {row: m for (t, row), m in med.items() if t == target}

        def get(row: str, field: str) -> Optional[float]:
            return rows.get(row, {}).get(field)

        def ratio(a: Optional[float], b: Optional[float]) -> str:
            return f"{a / b:.2f}x" if a and b else "n/a"

        floor = get("py/raw-socket-seq", "p50_us")
        lines.append(f"### Target: {target}\n")
        lines.append("| row | seq p50 us | seq p99 us | calls/s (64 in flight; sync: 16 threads) | peak RSS MB | p50 / floor |")
        lines.append("|---|---|---|---|---|---|")
        for row in sorted(rows):
            m = rows[row]
            if "us_per_call" in m or "growth" in m:
                continue
            p50 = m.get("p50_us")
            lines.append(
                f"| {row} | {p50 or ''} | {m.get('p99_us') or ''} | {m.get('calls_per_s') or ''} | "
                f"{m.get('peak_rss_mb') or ''} | {ratio(p50, floor) if p50 else ''} |"
                + (f" **{int(m['bad'])} bad calls**" if m.get("bad") else "")
            )
        lines.append("")
        micro = sorted(r for r in rows if "us_per_call" in rows[r])
        if micro:
            lines.append("| per-call work without I/O | us a call |")
            lines.append("|---|---|")
            for row in micro:
                lines.append(f"| {row} | {rows[row]['us_per_call']} |")
            lines.append("")
        growth = sorted(r for r in rows if "growth" in rows[r])
        if growth:
            lines.append("| memory over a long run | RSS after 20k calls MB | after 200k MB | growth |")
            lines.append("|---|---|---|---|")
            for row in growth:
                m = rows[row]
                lines.append(f"| {row} | {m.get('rss_20k_mb')} | {m.get('rss_200k_mb')} | {m.get('growth')}x |")
            lines.append("")
        checks: List[Tuple[str, Optional[float], float, bool]] = []

        def check(name: str, value: Optional[float], goal: float, at_most: bool = False) -> None:
            checks.append((name, value, goal, at_most))

        undici = get("node/undici-64", "calls_per_s")
        aio = get("py/aiohttp-async64", "calls_per_s")
        core = max(filter(None, [get("rust/bulk64", "calls_per_s"), get("rust/join64", "calls_per_s")]), default=None)
        # The Rust core's sequential row is its sync API (rust/seq: async on a
        # multi-threaded runtime, shown for comparison).
        for row in ("py/ours-seq", "node/ours-seq", "rust/seq-blocking"):
            p50 = get(row, "p50_us")
            check(f"{row} p50 / raw-socket floor", p50 / floor if p50 and floor else None, 1.3, True)
        p50, aio_p50 = get("py/ours-seq", "p50_us"), get("py/aiohttp-seq", "p50_us")
        check("py/ours-seq p50 / aiohttp p50", p50 / aio_p50 if p50 and aio_p50 else None, 0.5, True)
        for row in ("py/ours-bulk64", "py/ours-async64"):
            v = get(row, "calls_per_s")
            check(f"{row} / aiohttp-async64 calls/s", v / aio if v and aio else None, 4.0)
        for row in ("node/ours-64", "node/ours-bulk64"):
            v = get(row, "calls_per_s")
            check(f"{row} / undici-64 calls/s", v / undici if v and undici else None, 1.5)
        p50, und_p50 = get("node/ours-seq", "p50_us"), get("node/undici-seq", "p50_us")
        check("node/ours-seq p50 / undici-seq p50", p50 / und_p50 if p50 and und_p50 else None, 1.0, True)
        check("rust core (best of bulk64, join64) / undici-64 calls/s", core / undici if core and undici else None, 1.6)
        for row in ("py/ours-bulk64", "py/ours-async64", "node/ours-64", "node/ours-bulk64"):
            v = get(row, "calls_per_s")
            check(f"{row} / rust core calls/s", v / core if v and core else None, 0.8)
        for row in growth:
            check(f"{row} RSS 200k / 20k calls", rows[row].get("growth"), 1.1, True)
        for row in micro:
            # Rust: from the untyped value (micro-request adds parsing the text).
            if row.endswith(("micro-validate", "micro-from-value")):
                check(f"{row} us a call (absolute)", rows[row]["us_per_call"], 10.0, True)
        lines.append("| target | measured | goal | |")
        lines.append("|---|---|---|---|")
        for name, value, goal, at_most in checks:
            met = value is not None and (value <= goal if at_most else value >= goal)
            unit = "" if "absolute" in name else "x"
            shown = f"{value:.2f}{unit}" if value is not None else "n/a"
            lines.append(f"| {name} | {shown} | {'<=' if at_most else '>='} {goal}{unit} | {'met' if met else '**missed**'} |")
        lines.append("")
    table = "\n".join(lines)
    print(table)
    header = (
        "# Benchmark results\n\n"
        "Written by `bash bench/run` (see bench/README.md): medians of the runs of one\n"
        "session, ratios to the peers measured in the same session. The machine is\n"
        "shared and noisy: compare ratios, not absolute figures across sessions.\n\n"
    )
    stamp = f"## {os.path.basename(source)} ({machine()})\n\n"
    run_ids = set()
    with open(source) as f:
        for line in f:
            if line.strip():
                run_ids.add(json.loads(line).get("run_id", ""))
    stamp = f"## Run {', '.join(sorted(run_ids))} on {machine()}\n\n"
    previous = ""
    if os.path.exists(results_md):
        with open(results_md) as f:
            previous = f.read()
        if previous.startswith("# Benchmark results"):
            previous = previous.split("\n## ", 1)[1] if "\n## " in previous else ""
            previous = "## " + previous if previous else ""
    with open(results_md, "w") as f:
        f.write(header + stamp + table + "\n" + (("\n" + previous) if previous else ""))


if __name__ == "__main__":
    main()
