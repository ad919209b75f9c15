"""Iterators over a bulk run of the Rust core's engine.

Records are pulled from your iterable only while you take outcomes, and only
as far as keeps ``concurrency`` calls busy (the engine asks for them:
``wants_input``), so memory stays bounded however long the input is, and
nothing more is sent once you stop taking outcomes. Outcomes come out in
input order: the reply dict, or the exception for that record (a bad record
never stops the rest).

Ending early: ``close()`` (or leaving a ``with`` block, or dropping the
iterator) aborts the run: nothing more is sent, and records already sent and
not yet answered end as ``AbortedError`` outcomes with ``outcome_unknown``.
A plain ``break`` that keeps the iterator sends nothing more either; the
calls already in flight finish. Ctrl-C aborts the run too. If your iterable
raises, every record already fed still gets its outcome first; then the
exception is raised.

Resumable runs (``journal=``, ``key=``): each record is fed with its key, and
the core's journal decides whether it is sent (``kapture_crm_core::resume``):
a record added by an earlier run with the same content is not sent again and
its outcome is the reply journaled then.
"""

from __future__ import annotations

import collections
from types import TracebackType
from typing import (
    Any,
    AsyncIterable,
    AsyncIterator,
    Callable,
    Deque,
    Dict,
    Iterable,
    Iterator,
    Mapping,
    Optional,
    Tuple,
    Type,
    TypeVar,
    Union,
)

from . import _native
from ._errors import KaptureError
from ._native import BlankRow
from .types import AddCustomerResponse, Found, Upserted

# A record's reply, its exception, or BLANK for a blank row (nothing sent).
Outcome = Union[AddCustomerResponse, KaptureError, BlankRow]
# With `upsert=`, each success is an Upserted dict instead of the reply.
UpsertOutcome = Union[Upserted, KaptureError, BlankRow]
# With `reconcile=True`, a record an earlier run left unknown may come out
# as Found: its customer exists, and there is no reply.
ReconciledOutcome = Union[AddCustomerResponse, Upserted, Found, KaptureError, BlankRow]
_O = TypeVar("_O", Outcome, UpsertOutcome, ReconciledOutcome)
Record = Mapping[str, Any]
# A journaled run's key: a field of each record, or a function of it.
Key = Union[str, Callable[[Any], Union[str, int]], None]


def key_of(key: Key, record: Any) -> Tuple[Any, Any]:
    """``record``'s key and the record to send: ``key``'s field (which names
    the record and is not sent) or result, or a file's row's own number
    (``read_rows`` gives rows theirs)."""
    if key is None:
        return _native.row_key(getattr(record, "sheet", None), record.row), record
    if callable(key):
        return key(record), record
    if not isinstance(record, Mapping):
        return None, record
    return record.get(key), {k: v for k, v in record.items() if k != key}

class FromJournal(Dict[str, Any]):
    """An outcome a resumed run took from its journal, not sent again: the
    reply (or ``Found``) an earlier run recorded. A dict like any other
    outcome; ``isinstance(outcome, kapture_crm.FromJournal)`` tells it
    apart (Node: ``fromJournal: true``)."""

    __slots__ = ()


def _value(_index: int, value: Any, _ok: bool, from_journal: bool) -> Any:
    """An outcome as the native run gives it, as the caller gets it."""
    if from_journal and isinstance(value, dict):
        return FromJournal(value)
    return value


# Outcomes an async run takes in one await, at most.
_BATCH = 256


class BulkResults(Iterator[_O]):
    """What ``Client.add_customers`` returns: iterate it (or ``list()`` it);
    a context manager whose exit aborts what is left of the run."""

    def __init__(self, run: Any, records: Iterable[Record], keyed: bool = False, key: Key = None) -> None:
        self._run = run
        self._records = iter(records)
        self._keyed = keyed
        self._key = key
        self._exhausted = False
        # What the input raised, raised after the last outcome.
        self._error: Optional[Exception] = None

    def __iter__(self) -> "BulkResults[_O]":
        return self

    def _feed(self) -> None:
        while not self._exhausted and self._run.wants_input():
            try:
                record = next(self._records)
                key, record = key_of(self._key, record) if self._keyed else (None, record)
            except StopIteration:
                self._end_input()
                return
            except Exception as error:
                self._error = error
                self._end_input()
                return
            except BaseException:
                # Ctrl-C or SystemExit while the input ran: stop as Ctrl-C
                # during a call does.
                self.close()
                raise
            self._put(record, key)

    def _end_input(self) -> None:
        self._exhausted = True
        self._run.close_input()

    def _put(self, record: Record, key: Any) -> None:
        try:
            if self._keyed:
                self._run.feed_keyed_nowait(record, key)
            else:
                self._run.feed_nowait(record)
        except KaptureError:
            # The engine stopped taking records (it failed): feed no more;
            # the outcomes it owes come out, then its error.
            self._end_input()

    def __next__(self) -> _O:
        while True:
            self._feed()
            # Raises when the engine failed, after an outcome for every
            # record it owed: a run never ends early and quietly.
            outcome = self._run.next_blocking()
            if outcome is False:  # the engine wants records
                continue
            if outcome is None:
                if self._error is not None:
                    error, self._error = self._error, None
                    raise error
                raise StopIteration
            return _value(*outcome)  # type: ignore[no-any-return]

    def close(self) -> None:
        """Aborts the run: nothing more is fed or sent; records on the wire
        end as ``AbortedError`` outcomes (``outcome_unknown``) for anyone
        who goes on iterating."""
        self._exhausted = True
        self._run.abort()

    def __enter__(self) -> "BulkResults[_O]":
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.close()


class AsyncBulkResults(AsyncIterator[_O]):
    """What ``AsyncClient.add_customers`` returns: ``async for`` over it.
    Takes plain and async iterables; an async context manager whose exit
    aborts what is left of the run."""

    def __init__(
        self,
        run: Any,
        records: Union[Iterable[Record], AsyncIterable[Record]],
        keyed: bool = False,
        key: Key = None,
    ) -> None:
        self._run = run
        self._keyed = keyed
        self._key = key
        self._async: Optional[AsyncIterator[Record]] = None
        self._sync: Optional[Iterator[Record]] = None
        if isinstance(records, AsyncIterable):
            self._async = records.__aiter__()
        else:
            self._sync = iter(records)
        self._exhausted = False
        self._error: Optional[Exception] = None
        # Outcomes taken with the last batch and not yet handed out.
        self._ready: Deque[Tuple[int, Any, bool, bool]] = collections.deque()

    def __aiter__(self) -> "AsyncBulkResults[_O]":
        return self

    async def _feed(self) -> None:
        while not self._exhausted and self._run.wants_input():
            try:
                if self._async is not None:
                    record = await self._async.__anext__()
                else:
                    assert self._sync is not None
                    record = next(self._sync)
                key, record = key_of(self._key, record) if self._keyed else (None, record)
            except (StopIteration, StopAsyncIteration):
                self._end_input()
                return
            except Exception as error:
                self._error = error
                self._end_input()
                return
            except BaseException:
                # Cancelled, Ctrl-C: stop the run as a cancelled await does.
                await self.aclose()
                raise
            self._put(record, key)

    def _end_input(self) -> None:
        self._exhausted = True
        self._run.close_input()

    def _put(self, record: Record, key: Any) -> None:
        try:
            if self._keyed:
                self._run.feed_keyed_nowait(record, key)
            else:
                self._run.feed_nowait(record)
        except KaptureError:
            # The engine stopped taking records (it failed): feed no more;
            # the outcomes it owes come out, then its error.
            self._end_input()

    async def __anext__(self) -> _O:
        while not self._ready:
            await self._feed()
            # Every outcome already there in one await (an awaitable per
            # outcome cost two thirds of the run); at most _BATCH, so other
            # tasks get the loop between batches. None: feed first.
            batch = await self._run.next_batch_async(_BATCH)
            if batch is None:
                continue
            if not batch:
                if self._error is not None:
                    error, self._error = self._error, None
                    raise error
                raise StopAsyncIteration
            self._ready.extend(batch)
        index, value, ok, from_journal = self._ready.popleft()
        return _value(index, value, ok, from_journal)  # type: ignore[no-any-return]

    async def aclose(self) -> None:
        """Aborts the run, as ``BulkResults.close`` does."""
        self._exhausted = True
        self._run.abort()

    async def __aenter__(self) -> "AsyncBulkResults[_O]":
        return self

    async def __aexit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        await self.aclose()
