"""``read_rows``: the rows of a workbook, CSV or JSON-lines file, read by the
same code as ``kapture import`` (the Rust core's reader)."""

from __future__ import annotations

import os
from typing import Any, Dict, Iterator, List, Optional, Union

from . import _native

CellError = _native.CellError


class Row(Dict[str, Any]):
    """One row of a file: header -> value, plus where it came from.

    ``sheet`` is the workbook's sheet (``None`` for CSV and JSON lines) and
    ``row`` its number there: a workbook's rows as the sheet numbers them, a
    CSV's data rows from 1. Both are attributes, never keys, so a column
    named "row" stays a column. ``from_row``, ``Client.add_customers`` and
    ``AsyncClient.add_customers`` take a Row as any flat row."""

    __slots__ = ("sheet", "row")

    sheet: Optional[str]
    row: int

    def __repr__(self) -> str:
        where = f"{self.sheet!r}, " if self.sheet is not None else ""
        return f"Row({where}row={self.row}, {dict.__repr__(self)})"


def read_rows(
    path: Union[str, "os.PathLike[str]"],
    *,
    sheet: Union[str, int, None] = None,
    header_row: Optional[int] = None,
) -> "ReadRows":
    """The rows of ``path``, one ``Row`` at a time, in order.

    Workbooks (.xlsx, .xlsm, .xls, .ods): the first sheet, or ``sheet`` (a
    name, or a position from 1); the header is the first row naming at least
    two documented fields or aliases (title rows above it are skipped), or
    ``header_row`` (the sheet's row number). Cells come as their type: text
    as ``str``, a whole number as ``int`` (a phone stored as a number gives
    its digits), another number as ``float``, dates as ``datetime.date`` or
    ``datetime.datetime``, TRUE/FALSE as ``bool``, empty as ``None``, an
    error cell (``#N/A``) as a ``CellError`` that fails its row alone when
    mapped. CSV (any dialect ``kapture import`` reads) gives text, ``None``
    for an empty cell; JSON lines give each line's object. Blank rows are
    rows too (every value ``None``): ``add_customers`` gives them an outcome
    of their own. Raises ``FileNotFoundError`` (or another ``OSError``)
    when the file cannot be opened and ``ValidationError`` when it cannot be
    read as rows (an unknown format, a sheet that does not exist, two
    columns under one header), before any row."""
    return ReadRows(_native.read_rows(os.fspath(path), sheet, header_row))


class ReadRows(Iterator[Row]):
    """The rows ``read_rows`` gives, one at a time. ``headers`` is the header
    row every row shares (``add_customers`` checks it once, before anything
    is sent); ``sheet`` the workbook's sheet read and ``header_row`` where
    its header was found."""

    def __init__(self, rows: Any) -> None:
        self._rows = rows
        self.headers: List[str] = list(rows.headers)
        self.sheet: Optional[str] = rows.sheet
        # A workbook's header row as the sheet numbers it (rows above it,
        # a title, were skipped); None for CSV and JSON lines.
        self.header_row: Optional[int] = rows.header_row

    def __iter__(self) -> "ReadRows":
        return self

    def __next__(self) -> Row:
        number, values = next(self._rows)
        row = Row(values) if isinstance(values, dict) else Row(zip(self.headers, values))
        row.sheet = self.sheet
        row.row = number
        return row
