"""Instructions a sequential call executes, counted by callgrind: a figure
that does not drift with the machine's noise or with where the scheduler
puts a thread (wall-clock latency on this kind of machine does both; see
bench/RESULTS.md).

Usage: python3 instructions.py WORKDIR NAME -- CMD ROW URL TOKEN BODY
NAME is the row's name in the results (py/ours-seq); CMD is its harness
(bench_client, clients.py, clients.mjs). The row is
run twice under callgrind, with BENCH_SCALE=0.5 and 1; the difference of the
two counts over the difference of the calls made (warm-up included) is what
one more call costs, with start-up and teardown cancelled out. Prints one
JSON line: the row, instructions a call, and where they go (by crate for
the Rust code, by library otherwise), largest first."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections import Counter
from typing import Dict, List, Tuple

# The object holding a row's Rust code: its functions are grouped by crate.
RUST_OBJECTS = ("bench_client", "_native.abi3.so", ".node")
WRAPPERS = re.compile(r"^(?:<|&|mut |dyn |\*const |\*mut )+")


def part_of(function: str, obj: str) -> str:
    """The crate of a Rust function, or the library of anything else."""
    name = os.path.basename(obj) if obj else "?"
    if name == "???" or obj == "":
        # No object file: V8's compiled JavaScript, the vDSO's clock.
        return "code without a file (JIT, vDSO)"
    if not name.endswith(RUST_OBJECTS):
        return name
    symbol = WRAPPERS.sub("", function.split(":", 1)[1] if function.startswith("???:") else function)
    if "::" not in symbol.split("<", 1)[0]:
        return "mimalloc" if symbol.startswith(("mi_", "_mi_")) else "C code in " + name
    crate = symbol.split("::", 1)[0]
    return {"core": "std", "alloc": "std"}.get(crate, crate)


def count(workdir: str, cmd: List[str], scale: str) -> Tuple[int, int, Counter]:
    """(instructions, calls, instructions by part) of one run of the row."""
    out = os.path.join(workdir, f"callgrind.{scale}.out")
    env = dict(os.environ, BENCH_SCALE=scale)
    done = subprocess.run(
        ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}", *cmd],
        env=env, capture_output=True, text=True, check=True,
    )
    record = json.loads(done.stdout.strip().splitlines()[-1])
    calls = int(record["calls"]) + int(record["warmup"])
    if record.get("good") != record.get("calls"):
        raise SystemExit(f"{cmd}: {record.get('calls')} calls, {record.get('good')} good")
    annotated = subprocess.run(
        ["callgrind_annotate", "--threshold=100", out], capture_output=True, text=True, check=True
    ).stdout
    total = 0
    parts: Counter = Counter()
    for line in annotated.splitlines():
        m = re.match(r"\s*([\d,]+) \([ \d.]+%\)\s+(.*)$", line)
        if not m:
            continue
        n = int(m.group(1).replace(",", ""))
        rest = m.group(2)
        if rest.startswith("PROGRAM TOTALS"):
            total = n
            continue
        obj = rest[rest.rfind("[") + 1 : -1] if rest.endswith("]") else ""
        function = rest[: rest.rfind(" [")] if rest.endswith("]") else rest
        parts[part_of(function, obj)] += n
    os.remove(out)
    return total, calls, parts


def main() -> None:
    workdir, name, sep, *cmd = sys.argv[1:]
    if sep != "--" or len(cmd) < 5:
        raise SystemExit(__doc__)
    small, small_calls, small_parts = count(workdir, cmd, "0.5")
    big, big_calls, big_parts = count(workdir, cmd, "1")
    calls = big_calls - small_calls
    by_part: Dict[str, float] = {
        k: round((big_parts[k] - small_parts[k]) / calls) for k in set(big_parts) | set(small_parts)
    }
    shown = sorted(((v, k) for k, v in by_part.items() if v >= 500), reverse=True)
    print(json.dumps({
        "row": name,
        "kind": "instructions",
        "calls": calls,
        "instructions_per_call": round((big - small) / calls),
        "by_part": [[k, v] for v, k in shown],
    }))


if __name__ == "__main__":
    main()
