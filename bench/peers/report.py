"""bench/run's table: medians over the runs of one session, ratios to the
peers measured in the same session, and the step 11 targets, met or not;
or, for `bench/run --instructions`, the instructions a sequential call
executes (records of kind "instructions"); or, for `bench/run --cpu`, the
CPU a call of the 64-in-flight rows, thread by thread (kind "cpu").
Usage: python3 report.py THIS_RUN.jsonl RESULTS.md"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
from collections import defaultdict
from typing import Any, Callable, Dict, List, Optional, Tuple


def records(path: str, kind: Optional[str] = None) -> List[Dict[str, Any]]:
    """The timed records of a run, or those of one other kind
    ("instructions", "cpu")."""
    with open(path) as f:
        rows = [json.loads(line) for line in f if line.strip()]
    if kind is None:
        return [r for r in rows if r.get("kind") not in ("instructions", "cpu", "workbook")]
    return [r for r in rows if r.get("kind") == kind]


def each_run(path: str) -> Dict[Tuple[str, int], Dict[str, Dict[str, Any]]]:
    """Every run's records: (target, run) -> row -> record."""
    runs: Dict[Tuple[str, int], Dict[str, Dict[str, Any]]] = defaultdict(dict)
    for r in records(path):
        runs[(r["target"], int(r.get("run", 1)))][r["row"]] = r
    return runs


def load(path: str) -> Dict[Tuple[str, str], Dict[str, float]]:
    by_row: Dict[Tuple[str, str], List[Dict[str, Any]]] = defaultdict(list)
    for r in records(path):
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


def instruction_tables(counts: List[Dict[str, Any]]) -> List[str]:
    """Instructions a sequential call, each of ours beside what its target
    compares it with, and where our rows' instructions go."""
    per_call = {r["row"]: r["instructions_per_call"] for r in counts}
    floor = per_call.get("py/raw-socket-seq")
    lines = ["| row (sequential, against nginx) | instructions a call | / the floor (py/raw-socket-seq) |", "|---|---|---|"]
    for row in sorted(per_call):
        lines.append(f"| {row} | {per_call[row]:,} | {per_call[row] / floor:.2f}x |" if floor else f"| {row} | {per_call[row]:,} | |")
    lines += ["", "| ours against | ours a call | theirs a call | ratio |", "|---|---|---|---|"]
    for ours, theirs in (("rust/seq-blocking", "rust/raw-socket-seq"), ("py/ours-seq", "py/raw-socket-seq"),
                         ("py/ours-seq", "py/aiohttp-seq"), ("node/ours-seq", "node/undici-seq")):
        if ours in per_call and theirs in per_call:
            lines.append(f"| {ours} against {theirs} | {per_call[ours]:,} | {per_call[theirs]:,} | {per_call[ours] / per_call[theirs]:.2f}x |")
    lines += ["", "| row | where a call's instructions go (thousands; Rust code by crate, the rest by library) |", "|---|---|"]
    for r in sorted(counts, key=lambda r: r["row"]):
        if "/ours" in r["row"] or r["row"].startswith("rust/seq"):
            parts = ", ".join(f"{name} {n / 1000:.1f}" for name, n in r.get("by_part", [])[:14])
            lines.append(f"| {r['row']} | {parts} |")
    return lines + [""]


def cpu_tables(figures: List[Dict[str, Any]]) -> List[str]:
    """CPU a call by thread with 64 in flight (medians over the runs), the
    calls a second two cores could carry at most, and each binding's bound
    against the core's own row."""
    by_row: Dict[str, List[Dict[str, Any]]] = defaultdict(list)
    for r in figures:
        by_row[r["row"]].append(r)

    def med(rows: List[Dict[str, Any]], *path: str) -> float:
        values = []
        for r in rows:
            value: Any = r
            for key in path:
                value = value.get(key) if isinstance(value, dict) else None
            if isinstance(value, (int, float)):
                values.append(float(value))
        return statistics.median(values) if values else 0.0

    core = med(by_row.get("rust/bulk64", []), "calls_per_s_bound")
    lines = [
        "| row | caller thread us | I/O thread us | other threads us | client in all us | nginx us "
        "| waited for a core us (caller, I/O) | preempted a call (caller, I/O) | bound calls/s | bound / rust/bulk64's |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for row in sorted(by_row):
        rows = by_row[row]
        bound = med(rows, "calls_per_s_bound")
        versus = f"{bound / core:.2f}x" if core else ""

        def thread(kind: str, field: str, digits: int = 1) -> str:
            return f"{med(rows, 'threads', kind, field):.{digits}f}"

        lines.append(
            f"| {row} | {thread('caller', 'us')} | {thread('io', 'us')} | {thread('other', 'us')} "
            f"| {med(rows, 'client_us'):.1f} | {thread('server', 'us')} "
            f"| {thread('caller', 'waited_us')}, {thread('io', 'waited_us')} "
            f"| {thread('caller', 'preempted', 2)}, {thread('io', 'preempted', 2)} | {bound:,.0f} | {versus} |"
        )
    return lines + [
        "",
        "Bound: what two cores could carry at most, the lower of one core for "
        "the busiest thread and two for the client's and nginx's CPU together.",
        "",
    ]


def workbook_tables(figures: List[Dict[str, Any]]) -> List[str]:
    """Reading a 100,000-row workbook, each reader in its own process:
    medians over the runs, and the step-15 targets."""
    by_row: Dict[str, List[Dict[str, Any]]] = defaultdict(list)
    for r in figures:
        by_row[r["row"]].append(r)

    def med(row: str, field: str) -> Optional[float]:
        values = sorted(r[field] for r in by_row.get(row, []))
        return values[len(values) // 2] if values else None

    lines = ["| reader (100,000 rows, first sheet) | seconds | each run | peak RSS MB | rows |", "|---|---|---|---|---|"]
    for row in sorted(by_row):
        each = ", ".join(f"{r['seconds']:.2f}" for r in by_row[row])
        lines.append(f"| {row} | {med(row, 'seconds'):.2f} | {each} | {med(row, 'peak_rss_mb'):.1f} | {by_row[row][0]['rows']:,} |")
    ours, calamine, pandas = (med(r, "seconds") for r in ("py/ours-read_rows", "py/python-calamine", "py/pandas-openpyxl"))
    rss = med("py/ours-read_rows", "peak_rss_mb")
    lines += ["", "| target | measured | goal | |", "|---|---|---|---|"]
    checks = [
        ("pandas-openpyxl seconds / ours", pandas / ours if ours and pandas else None, ">= 3x", lambda v: v >= 3),
        ("ours seconds / python-calamine", ours / calamine if ours and calamine else None, "<= 1.5x", lambda v: v <= 1.5),
        ("ours peak RSS MB", rss, "< 200", lambda v: v < 200),
    ]
    for name, value, goal, ok in checks:
        shown = "n/a" if value is None else (f"{value:.1f}" if "RSS" in name else f"{value:.2f}x")
        lines.append(f"| {name} | {shown} | {goal} | {'met' if value is not None and ok(value) else '**missed**'} |")
    return lines + [""]


def main() -> None:
    source, results_md = sys.argv[1], sys.argv[2]
    med = load(source)
    per_run = each_run(source)
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
        # Each target is a function of a row getter: computed once on the
        # medians (the figure that decides met or missed, as the issue
        # defines it) and once on each run alone, to show how far the runs
        # of one session spread (a sequential row can land beside nginx in
        # one run and away from it in the next; see RESULTS.md).
        Getter = Callable[[str, str], Optional[float]]
        checks: List[Tuple[str, Callable[[Getter], Optional[float]], float, bool]] = []

        def check(name: str, value: Callable[[Getter], Optional[float]], goal: float, at_most: bool = False) -> None:
            checks.append((name, value, goal, at_most))

        def over(a: Optional[float], b: Optional[float]) -> Optional[float]:
            return a / b if a and b else None

        def core(g: Getter) -> Optional[float]:
            return max(filter(None, [g("rust/bulk64", "calls_per_s"), g("rust/join64", "calls_per_s")]), default=None)

        # The Rust core's sequential row is its sync API (rust/seq: async on a
        # single-threaded runtime, shown for comparison).
        for row in ("py/ours-seq", "node/ours-seq", "rust/seq-blocking"):
            check(f"{row} p50 / raw-socket floor", lambda g, row=row: over(g(row, "p50_us"), g("py/raw-socket-seq", "p50_us")), 1.3, True)
        check("py/ours-seq p50 / aiohttp p50", lambda g: over(g("py/ours-seq", "p50_us"), g("py/aiohttp-seq", "p50_us")), 0.5, True)
        for row in ("py/ours-bulk64", "py/ours-async64"):
            check(f"{row} / aiohttp-async64 calls/s", lambda g, row=row: over(g(row, "calls_per_s"), g("py/aiohttp-async64", "calls_per_s")), 4.0)
        for row in ("node/ours-64", "node/ours-bulk64"):
            check(f"{row} / undici-64 calls/s", lambda g, row=row: over(g(row, "calls_per_s"), g("node/undici-64", "calls_per_s")), 1.5)
        check("node/ours-seq p50 / undici-seq p50", lambda g: over(g("node/ours-seq", "p50_us"), g("node/undici-seq", "p50_us")), 1.0, True)
        check("rust core (best of bulk64, join64) / undici-64 calls/s", lambda g: over(core(g), g("node/undici-64", "calls_per_s")), 1.6)
        for row in ("py/ours-bulk64", "py/ours-async64", "node/ours-64", "node/ours-bulk64"):
            check(f"{row} / rust core calls/s", lambda g, row=row: over(g(row, "calls_per_s"), core(g)), 0.8)
        for row in growth:
            check(f"{row} RSS 200k / 20k calls", lambda g, row=row: g(row, "growth"), 1.1, True)
        for row in micro:
            # Rust: from the untyped value (micro-request adds parsing the text).
            if row.endswith(("micro-validate", "micro-from-value")):
                check(f"{row} us a call (absolute)", lambda g, row=row: g(row, "us_per_call"), 10.0, True)
        runs = sorted(run for t, run in per_run if t == target)

        def in_run(run: int) -> Getter:
            records = per_run[(target, run)]

            def g(row: str, field: str) -> Optional[float]:
                value = records.get(row, {}).get(field)
                return float(value) if isinstance(value, (int, float)) else None

            return g

        lines.append("| target | measured (medians) | each run alone | goal | |")
        lines.append("|---|---|---|---|---|")
        for name, compute, goal, at_most in checks:
            value = compute(get)
            met = value is not None and (value <= goal if at_most else value >= goal)
            unit = "" if "absolute" in name else "x"
            shown = f"{value:.2f}{unit}" if value is not None else "n/a"
            alone = [compute(in_run(run)) for run in runs]
            spread = ", ".join(f"{v:.2f}" if v is not None else "n/a" for v in alone) if len(runs) > 1 else ""
            lines.append(
                f"| {name} | {shown} | {spread} | {'<=' if at_most else '>='} {goal}{unit} | {'met' if met else '**missed**'} |"
            )
        lines.append("")
    counts = records(source, "instructions")
    if counts:
        lines += instruction_tables(counts)
    cpu = records(source, "cpu")
    if cpu:
        lines += cpu_tables(cpu)
    workbook = records(source, "workbook")
    if workbook:
        lines += workbook_tables(workbook)
    table = "\n".join(lines)
    print(table)
    header = (
        "# Benchmark results\n\n"
        "Written by `bash bench/run` (see bench/README.md): medians of the runs of one\n"
        "session, ratios to the peers measured in the same session. The machine is\n"
        "shared and noisy: compare ratios, not absolute figures across sessions.\n\n"
    )
    run_ids = {r.get("run_id", "") for r in records(source) + counts + cpu + workbook}
    what = (
        "Run" if med
        else "CPU a call with 64 in flight (bench/run --cpu), run" if cpu
        else "Reading a workbook (bench/run --workbook), run" if workbook
        else "Instructions a call (bench/run --instructions), run"
    )
    stamp = f"## {what} {', '.join(sorted(run_ids))} on {machine()}\n\n"
    # The latest section of each kind (a run, instruction counts, CPU
    # figures); this one replaces its kind's. Older runs live in
    # results.jsonl and, in short, in the history table.
    kinds = ("Run ", "Instructions a call", "CPU a call", "Reading a workbook")
    kept: Dict[str, str] = {}
    if os.path.exists(results_md):
        with open(results_md) as f:
            previous = f.read()
        for section in previous.split("\n## ")[1:]:
            kind = next((k for k in kinds if section.startswith(k)), None)
            if kind is not None and kind not in kept:
                kept[kind] = "## " + section.rstrip() + "\n"
    this_kind = next(k for k in kinds if what.startswith(k.strip()))
    kept[this_kind] = stamp + table + "\n"
    body = "".join(kept[k] + "\n" for k in kinds if k in kept)
    history_source = os.path.join(os.path.dirname(results_md) or ".", "results.jsonl")
    history = history_table(history_source) if os.path.exists(history_source) else ""
    with open(results_md, "w") as f:
        f.write(header + TARGETS + body + history)


TARGETS = (
    "The targets (step 11), checked in each run's table: our Python bulk and async rows at\n"
    "least 4x aiohttp's calls/s, Node's at least 1.5x undici's, the Rust core 1.6x undici's,\n"
    "sequential p50 within 1.3x a raw socket's, and memory flat over a long run. Speed work\n"
    "stops where no user could feel it. Reading a 100,000-row workbook (step 15): read_rows\n"
    "at least 3x faster than pandas with openpyxl, within 1.5x of python-calamine, peak RSS\n"
    "under 200 MB.\n\n"
)

# Ratios of the history table: (column, ours, peer); `core` is the best
# of the Rust core's two 64-in-flight rows.
HISTORY = [
    ("py bulk64 / aiohttp", "py/ours-bulk64", "py/aiohttp-async64"),
    ("py async64 / aiohttp", "py/ours-async64", "py/aiohttp-async64"),
    ("node 64 / undici", "node/ours-64", "node/undici-64"),
    ("node bulk64 / undici", "node/ours-bulk64", "node/undici-64"),
    ("core / undici", "core", "node/undici-64"),
]


def history_table(path: str) -> str:
    """One line a run (against nginx): its calls/s ratios to the peers, and
    the note bench/history-notes.json keeps for it."""
    by_run: Dict[str, Dict[str, List[float]]] = defaultdict(lambda: defaultdict(list))
    for r in records(path):
        if r.get("target") == "nginx" and r.get("calls_per_s") is not None:
            by_run[r.get("run_id", "")][r["row"]].append(float(r["calls_per_s"]))
    notes_path = os.path.join(os.path.dirname(path) or ".", "history-notes.json")
    notes: Dict[str, str] = {}
    if os.path.exists(notes_path):
        with open(notes_path) as f:
            notes = json.load(f)
    lines = [
        "## History (calls/s ratios against nginx, medians of each session)\n",
        "| run | " + " | ".join(c for c, _, _ in HISTORY) + " | note |",
        "|---|" + "---|" * len(HISTORY) + "---|",
    ]
    for run_id in sorted(by_run):
        rows = {row: statistics.median(v) for row, v in by_run[run_id].items()}
        cores = [rows[r] for r in ("rust/bulk64", "rust/join64") if r in rows]
        if cores:
            rows["core"] = max(cores)
        cells = []
        for _, ours, peer in HISTORY:
            a, b = rows.get(ours), rows.get(peer)
            cells.append(f"{a / b:.2f}x" if a and b else "")
        if any(cells):
            lines.append(f"| {run_id} | " + " | ".join(cells) + f" | {notes.get(run_id, '')} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
