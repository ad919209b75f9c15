#!/usr/bin/env python3
"""Each rule's message is written once, in the core (ARCHITECTURE.md: behaviour
in the core, conversion in the bindings). Fails when a message below appears
in more than one place of the product's sources (comments left out), or in
none: a front end restating a core rule drifts from it.

Usage: check_rules_once.py   (from the repository root)
"""

from __future__ import annotations

import sys
from pathlib import Path

SOURCES = ["core/src", "cli/src", "sandbox/src", "bindings-python/src", "bindings-node/src",
           "bindings-python/python/kapture_crm", "bindings-node/lib"]
SUFFIXES = {".rs", ".py", ".js", ".mjs"}

# A fragment of each rule's message, as the one place that writes it has it.
RULES = [
    "nested deeper than",
    "expected Kapture's customer id (digits)",
    "expected Kapture's customer id (an integer",
    "expected a row",
    "cancelled before anything was sent",
    "aborted before this record was sent",
    "must be one of off, error, warn, info, debug",
    "configuration error",
    "kapture_crm::http",
]


def code_lines(path: Path):
    for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
        stripped = line.strip()
        if stripped.startswith(("//", "*", "/*")) or (stripped.startswith("#") and not stripped.startswith("#[")):
            continue
        yield number, line


def main() -> int:
    found = {rule: [] for rule in RULES}
    for root in SOURCES:
        for path in sorted(Path(root).rglob("*")):
            if path.suffix not in SUFFIXES or not path.is_file():
                continue
            in_tests = False
            for number, line in code_lines(path):
                if line.strip() == "mod tests {":
                    in_tests = True
                if in_tests:
                    continue
                for rule in RULES:
                    if rule in line:
                        found[rule].append(f"{path}:{number}")
    failed = False
    for rule, places in found.items():
        if len(places) != 1:
            failed = True
            print(f"{rule!r} is written {len(places)} times: {', '.join(places) or 'nowhere'}")
    if not failed:
        print(f"each of {len(RULES)} rules' messages is written once")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
