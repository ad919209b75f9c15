#!/usr/bin/env python3
"""Fails when a release artifact in the given folder (dist/) carries a test
hook: the `testing` feature's code is compiled into the wheel, the addon or
the CLI only if one of these texts is in their binaries (or their JS and
Python code). Run with --expect
on a build that has the hooks, to show the check would see them."""

from __future__ import annotations

import io
import sys
import tarfile
import zipfile
from pathlib import Path
from typing import Iterator, Tuple

# Texts only the `testing` feature compiles in (core/src/bulk/run.rs and the
# bindings' src/testing.rs).
MARKERS = [b"injected engine failure", b"panic_next_run_after", b"testingPanicNextRunAfter", b"_testPanicAfter"]
# What is looked at: compiled code, and the code users run as shipped. The
# Rust sources in the sdist and the .crate files hold the feature's code
# behind `cfg(feature = "testing")`, which a build leaves out by default.
SHIPPED_TEXT = (".js", ".mjs", ".cjs", ".ts", ".py", ".pyi")


def shipped(name: str, data: bytes) -> bool:
    # An sdist carries the tests too (they are sources, not what runs).
    return data[:4] == b"\x7fELF" or (name.endswith(SHIPPED_TEXT) and "/tests/" not in name)


def members(path: Path) -> Iterator[Tuple[str, bytes]]:
    """Each file in an artifact (a wheel, a tarball) or the file itself."""
    if path.suffix in (".whl", ".zip"):
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                yield f"{path.name}:{name}", archive.read(name)
    elif path.name.endswith((".tgz", ".tar.gz", ".crate")):
        with tarfile.open(path) as archive:
            for info in archive.getmembers():
                handle = archive.extractfile(info) if info.isfile() else None
                if handle is not None:
                    yield f"{path.name}:{info.name}", handle.read()
    else:
        yield path.name, path.read_bytes()


def main() -> int:
    expect = "--expect" in sys.argv[1:]
    paths = [Path(a) for a in sys.argv[1:] if a != "--expect"]
    files = [f for p in paths for f in (sorted(p.iterdir()) if p.is_dir() else [p])]
    found = [(name, m.decode()) for f in files for name, data in members(f) if shipped(name, data) for m in MARKERS if m in data]
    if expect:
        if not found:
            print(f"no test hook found in {', '.join(map(str, paths))}, which was built with them")
            return 1
        return 0
    for name, marker in found:
        print(f"{name}: carries a test hook ({marker!r}); release artifacts are built without the `testing` feature")
    if not files:
        print("no artifact to check")
        return 1
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
