"""Flat rows (spreadsheet records, pandas DataFrames) for the core's row mapper."""

from __future__ import annotations

from typing import Any, AsyncIterable, Iterable, Iterator, List, Mapping, Optional, Protocol, Sequence, Tuple, Union

from . import _native
from .types import AddCustomerRequest

Columns = Optional[Mapping[str, Optional[str]]]
# One format, or several: tried in order, each column keeping the first that
# reads it; "dob=%d/%m/%Y" gives one field its own.
DateFormats = Union[str, Sequence[str], None]


class Frame(Protocol):
    """A pandas DataFrame as the bulk calls read it (duck-typed: no pandas
    dependency), so ``add_customers(frame)`` type-checks as it runs."""

    @property
    def columns(self) -> Any: ...

    def itertuples(self, index: bool = ..., name: Optional[str] = ...) -> Iterable[Tuple[Any, ...]]: ...


def from_row(row: Mapping[str, Any], *, columns: Columns = None, date_format: DateFormats = None) -> AddCustomerRequest:
    """One flat row into a validated request, as it would be sent.

    Headers match documented fields ignoring case, spaces, underscores and
    hyphens ("Customer Name" is ``customer_name``), plus a few aliases
    ("Mobile No" is ``phone``, "Date of Birth" is ``contact_info.0.dob``) and
    dotted paths (``contact_info.1.first_name``); ``columns`` renames headers
    first (``{"Cell": "phone"}``). ``date_format`` (``"%d/%m/%Y"``) reads the
    dates of ``dob`` and ``next_follow_up_date`` (a list of formats: each
    column keeps the first that reads it; ``"dob=%d/%m/%Y"`` is for one
    field; a date-time cell may add ``HH:MM[:SS]``). Values are trimmed; empty
    cells, ``None``, NaN and ``pd.NA`` are left out. Raises ValidationError
    naming each column in trouble."""
    return _native.from_row(row, columns, date_format)  # type: ignore[no-any-return]


def _frame_rows(frame: Any) -> Iterator[dict[str, Any]]:
    labels = [str(label) for label in frame.columns]
    for values in frame.itertuples(index=False, name=None):
        yield dict(zip(labels, values))


def header_of(records: Any) -> Optional[List[str]]:
    """The header every record shares, when the source says it (a pandas
    DataFrame's columns, ``read_rows``' header row); ``None`` otherwise."""
    if hasattr(records, "itertuples") and hasattr(records, "columns"):
        return [str(label) for label in records.columns]
    headers = getattr(records, "headers", None)
    if isinstance(headers, list) and all(isinstance(h, str) for h in headers):
        return [h for h in headers]
    return None


def check_header(records: Any, columns: Columns, date_format: DateFormats, key_field: Optional[str] = None) -> None:
    """Raises ValidationError once, before anything is sent, when the header
    the records share is refused (an unknown column, two filling one field).
    A journaled run's key field names the record and is not sent: not part
    of the header."""
    headers = [h for h in header_of(records) or [] if h != key_field]
    if headers:
        _native.check_header(headers, columns, date_format)
    elif isinstance(records, (list, tuple)) and records and all(isinstance(r, Mapping) for r in records):
        # Records given one by one: the core says whether they share a header.
        _native.check_records_header(
            [[str(k) for k in r.keys() if k != key_field] for r in records], columns, date_format
        )


def records_of(records: Union[Iterable[Any], AsyncIterable[Any], Frame]) -> Union[Iterable[Any], AsyncIterable[Any]]:
    """A pandas DataFrame (duck-typed: no pandas dependency) as its rows,
    one at a time; anything else as it is."""
    if hasattr(records, "itertuples") and hasattr(records, "columns"):
        return _frame_rows(records)
    return records
