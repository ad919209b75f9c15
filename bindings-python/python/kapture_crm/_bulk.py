"""Iterators over a bulk run of the Rust core's engine.

Records are pulled from your iterable only while the run has room, so memory
stays bounded (calls may run up to 32 windows of ``concurrency`` records
ahead of one held up by retries) however long the input is. Outcomes come out in input order: the reply dict, or the exception for
that record (a bad record never stops the rest). Leaving the loop early
abandons the calls still in flight: their outcome is unknown.
"""

from __future__ import annotations

import asyncio
import collections
from typing import Any, AsyncIterable, AsyncIterator, Deque, Iterable, Iterator, Mapping, Optional, Tuple, Union

from ._errors import KaptureError
from .types import AddCustomerResponse

Outcome = Union[AddCustomerResponse, KaptureError]
Record = Mapping[str, Any]

# Outcomes an async run takes in one await, at most.
_BATCH = 256


class BulkResults(Iterator[Outcome]):
    """What ``Client.add_customers`` returns: iterate it (or ``list()`` it)."""

    def __init__(self, run: Any, records: Iterable[Record]) -> None:
        self._run = run
        self._records = iter(records)
        self._exhausted = False

    def __iter__(self) -> "BulkResults":
        return self

    def __next__(self) -> Outcome:
        while not self._exhausted and self._run.has_room():
            try:
                record = next(self._records)
            except StopIteration:
                self._exhausted = True
                self._run.close_input()
                break
            except BaseException:
                self._exhausted = True
                self._run.close_input()
                raise
            self._run.feed_nowait(record)
        # Raises when the engine failed, after an outcome for every record
        # it owed: a run never ends early and quietly.
        outcome = self._run.next_blocking()
        if outcome is None:
            raise StopIteration
        _index, value, _ok = outcome
        return value  # type: ignore[no-any-return]

    def close(self) -> None:
        """Abandons the run: calls in flight are dropped (outcome unknown)."""
        self._exhausted = True
        self._run.cancel()


class AsyncBulkResults(AsyncIterator[Outcome]):
    """What ``AsyncClient.add_customers`` returns: ``async for`` over it.
    Takes plain and async iterables."""

    def __init__(self, run: Any, records: Union[Iterable[Record], AsyncIterable[Record]]) -> None:
        self._run = run
        self._records = records
        self._feeder: Optional["asyncio.Task[None]"] = None
        # Outcomes taken with the last batch and not yet handed out.
        self._ready: Deque[Tuple[int, Any, bool]] = collections.deque()

    def __aiter__(self) -> "AsyncBulkResults":
        return self

    async def _feed(self) -> None:
        try:
            if isinstance(self._records, AsyncIterable):
                async for record in self._records:
                    await self._put(record)
            else:
                for record in self._records:
                    await self._put(record)
        finally:
            self._run.close_input()

    async def _put(self, record: Record) -> None:
        if self._run.has_room():
            self._run.feed_nowait(record)
        else:
            await self._run.feed_async(record)

    async def __anext__(self) -> Outcome:
        if self._feeder is None:
            self._feeder = asyncio.ensure_future(self._feed())
        if not self._ready:
            # Every outcome already there in one await (an awaitable per
            # outcome cost two thirds of the run); at most _BATCH, so the
            # feeder and other tasks get the loop between batches.
            self._ready.extend(await self._run.next_batch_async(_BATCH))
        if not self._ready:
            await self._feeder  # re-raises what the input raised, if anything
            raise StopAsyncIteration
        _index, value, _ok = self._ready.popleft()
        return value  # type: ignore[no-any-return]

    async def aclose(self) -> None:
        if self._feeder is not None and not self._feeder.done():
            self._feeder.cancel()
        self._run.cancel()
