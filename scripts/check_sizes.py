#!/usr/bin/env python3
"""Fails when a product source file is over the size a reader can hold.

Counts each file's product lines: its `#[cfg(test)]` module (the unit tests)
is left out. The limit is ~500 lines (ARCHITECTURE.md): a file over it has
more than one job; split it by job.

Usage: check_sizes.py [LIMIT]   (from the repository root)
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOTS = ["core/src", "cli/src", "sandbox/src", "bindings-python/src", "bindings-node/src",
         "bindings-python/python/kapture_crm", "bindings-node/lib"]
SUFFIXES = {".rs", ".py", ".js", ".mjs"}


def product_lines(path: Path) -> int:
    lines = path.read_text().splitlines()
    for i, line in enumerate(lines):
        if line.strip() == "#[cfg(test)]" and i + 1 < len(lines) and lines[i + 1].lstrip().startswith("mod "):
            return i
    return len(lines)


def main(limit: int) -> int:
    over = []
    for root in ROOTS:
        for path in sorted(Path(root).rglob("*")):
            if path.suffix in SUFFIXES and path.is_file():
                n = product_lines(path)
                if n > limit:
                    over.append((n, path))
    for n, path in sorted(over, reverse=True):
        print(f"{path}: {n} product lines, over {limit}: split it by job")
    if not over:
        print(f"no product source file over {limit} lines")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 500))
