"""The tests in this folder need the test hooks (`kapture_crm._native._testing`),
which only the wheel built with the `testing` feature carries: scripts/test
builds that wheel into its own venv and runs this folder there (the release
wheel's run leaves it out with --ignore). Locally:
`maturin develop --features testing`, then `pytest tests/hooks`."""

from __future__ import annotations

import sys
from pathlib import Path

from kapture_crm import _native

if not hasattr(_native, "_testing"):
    raise RuntimeError(
        "tests/hooks needs kapture_crm built with the `testing` feature "
        "(maturin develop --features testing); the release wheel has no test hooks"
    )

# The helpers of the tests one folder up (test_fork's) are imported by name.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
