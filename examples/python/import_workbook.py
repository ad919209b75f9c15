"""Imports the example workbook (examples/customers.xlsx: a title row, a
serial-number column, phones stored as numbers, date cells, a spacer row, an
#N/A) into a sandbox started in this process, and says what became of each
row, by the workbook's own row numbers.

    python examples/python/import_workbook.py [WORKBOOK]
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import kapture_crm

WORKBOOK = Path(__file__).resolve().parents[1] / "customers.xlsx"


def main() -> int:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else WORKBOOK
    rows = list(kapture_crm.read_rows(path))
    print(f"{path.name}: {len(rows)} rows from sheet {rows[0].sheet!r}" if rows else f"{path.name}: no rows")
    seen: Counter[str] = Counter()
    with kapture_crm.Sandbox() as sandbox, sandbox.client() as client:
        for row, outcome in zip(rows, client.add_customers(rows)):
            if outcome is kapture_crm.BLANK:
                seen["blank"] += 1
            elif isinstance(outcome, kapture_crm.KaptureError):
                seen["failed"] += 1
                print(f"  row {row.row}: {outcome}")
            else:
                seen["added"] += 1
        print(f"added {seen['added']}, failed {seen['failed']}, blank {seen['blank']}")
        print(f"the sandbox holds {len(sandbox.customers())} customers")
    return 0 if seen["added"] else 1


if __name__ == "__main__":
    sys.exit(main())
