"""One workbook reader, in its own process: reads every row of the first
sheet of PATH and prints one JSON record (seconds, rows, peak RSS).

    python bench/peers/workbook.py ours|python-calamine|pandas-openpyxl PATH
"""

from __future__ import annotations

import json
import resource
import sys
import time
from typing import Any, Callable, Dict


def ours(path: str) -> int:
    import kapture_crm

    return sum(1 for _ in kapture_crm.read_rows(path))


def calamine(path: str) -> int:
    from python_calamine import CalamineWorkbook

    rows = CalamineWorkbook.from_path(path).get_sheet_by_index(0).to_python()
    return len(rows) - 1  # less the header


def pandas_openpyxl(path: str) -> int:
    import pandas as pd

    return len(pd.read_excel(path, engine="openpyxl"))


READERS: Dict[str, Callable[[str], int]] = {
    "ours": ours,
    "python-calamine": calamine,
    "pandas-openpyxl": pandas_openpyxl,
}


def main() -> None:
    reader, path = sys.argv[1], sys.argv[2]
    started = time.perf_counter()
    rows = READERS[reader](path)
    seconds = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    record: Dict[str, Any] = {
        "kind": "workbook",
        "row": f"py/{'ours-read_rows' if reader == 'ours' else reader}",
        "rows": rows,
        "seconds": round(seconds, 4),
        "peak_rss_mb": round(peak_kb / 1024, 1),
    }
    print(json.dumps(record))


if __name__ == "__main__":
    main()
