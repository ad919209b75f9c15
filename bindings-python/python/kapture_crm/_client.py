"""Client and AsyncClient: thin Python shells over the Rust core."""

from __future__ import annotations

import asyncio
import os
from types import TracebackType
from typing import Any, AsyncIterable, Iterable, Literal, Mapping, Optional, Type, TypeVar, Union, overload

from . import _native
from ._bulk import AsyncBulkResults, BulkResults, Key, Outcome, ReconciledOutcome, Record, UpsertOutcome
from ._read import ReadRows
from ._rows import Columns, DateFormats, Frame, check_header, records_of
from .types import AddCustomerRequest, AddCustomerResponse, Customer, Upserted

Request = Union[AddCustomerRequest, Mapping[str, Any]]
PathLike = Union[str, "os.PathLike[str]"]
_Self = TypeVar("_Self", bound="_Base")


def _path(path: Optional[PathLike]) -> Optional[str]:
    return None if path is None else os.fspath(path)


class _Base:
    def __init__(
        self,
        token: Optional[str] = None,
        *,
        subdomain: Optional[str] = None,
        base_url: Optional[str] = None,
        timeout: Optional[float] = None,
        connect_timeout: Optional[float] = None,
        max_retries: Optional[int] = None,
        retry_unknown_outcome: Optional[bool] = None,
        user_agent: Optional[str] = None,
        ca_file: Optional[PathLike] = None,
        username: Optional[str] = None,
        password: Optional[str] = None,
        default_headers: Optional[Mapping[str, str]] = None,
        rate: Optional[float] = None,
        rate_scope: Optional[Literal["process", "machine"]] = None,
        rate_limiter: Optional[str] = None,
    ) -> None:
        # Missing values come from KAPTURE_TOKEN (or KAPTURE_USERNAME and
        # KAPTURE_PASSWORD), KAPTURE_SUBDOMAIN and KAPTURE_BASE_URL, or the
        # core's defaults (30 s, 5 s, 2 retries); a token containing ':' is an
        # un-encoded user:password and refused (pass username= and password=);
        # every rule is the core's, checked here before any I/O. `rate` paces
        # the client's adds and updates together (every thread's, every
        # clone's); with rate_scope="machine" or rate_limiter="redis://...",
        # together with other processes' clients (Celery workers calling
        # add_customer one task at a time).
        self._native = _native.Client(
            token,
            subdomain=subdomain,
            base_url=base_url,
            timeout=timeout,
            connect_timeout=connect_timeout,
            max_retries=max_retries,
            retry_unknown_outcome=retry_unknown_outcome,
            user_agent=user_agent,
            ca_file=os.fspath(ca_file) if ca_file is not None else None,
            username=username,
            password=password,
            default_headers=dict(default_headers) if default_headers is not None else None,
            rate=rate,
            rate_scope=rate_scope,
            rate_limiter=rate_limiter,
        )
        self._settings = f"timeout={self._native.timeout!r}, max_retries={self._native.max_retries!r}"

    def with_options(self: _Self, *, timeout: Optional[float] = None, max_retries: Optional[int] = None) -> _Self:
        """A client like this one with another ``timeout`` (seconds per
        attempt) or ``max_retries``, sharing this one's connection pool:
        ``client.with_options(timeout=5).add_customer(request)``."""
        other = object.__new__(type(self))
        other._native = self._native.with_options(timeout=timeout, max_retries=max_retries)
        other._settings = f"timeout={other._native.timeout!r}, max_retries={other._native.max_retries!r}"
        return other

    @property
    def endpoint(self) -> str:
        """The Add Customer URL this client sends to."""
        return self._native.endpoint

    @property
    def closed(self) -> bool:
        return self._native.closed

    def __repr__(self) -> str:
        # Never the token.
        return f"{type(self).__name__}(endpoint={self.endpoint!r}, {self._settings})"


class Client(_Base):
    """Synchronous client; safe to share between threads, keeps working in a
    child after ``os.fork()``. The GIL is released while waiting on the network.

    >>> with Client(token, subdomain="acme") as client:
    ...     reply = client.add_customer({"customer_info": {"customer_name": "ABC", "phone": "9380491387"}})
    """

    def add_customer(
        self, request: Request, *, timeout: Optional[float] = None, max_retries: Optional[int] = None
    ) -> AddCustomerResponse:
        """Validates ``request`` (the vendor's JSON shape), sends it, returns the
        parsed reply with every field the server sent. Raises a KaptureError.
        ``timeout`` (seconds per attempt) and ``max_retries`` override the
        client's for this call."""
        return self._native.add_customer(request, timeout=timeout, max_retries=max_retries)  # type: ignore[no-any-return]

    def update_customer(
        self,
        customer_id: Union[int, str],
        request: Request,
        *,
        timeout: Optional[float] = None,
        max_retries: Optional[int] = None,
    ) -> AddCustomerResponse:
        """Updates the customer Kapture knows by ``customer_id`` (an int or a
        string of digits): the vendor's Update Customer, the add URL with
        ``customer_info.customer_id`` set. Name, phone and email become
        optional. Not retried when the outcome is unknown: an update is not
        safe to repeat (a contact without a ``contact_id`` is added again)."""
        return self._native.update_customer(customer_id, request, timeout=timeout, max_retries=max_retries)  # type: ignore[no-any-return]

    def upsert_customer(
        self,
        request: Request,
        *,
        match: Literal["phone", "email"] = "phone",
        timeout: Optional[float] = None,
        max_retries: Optional[int] = None,
    ) -> Upserted:
        """Adds the customer, or updates the one Kapture has under its phone
        (``match="phone"``) or email: looked up first (Get Customer), updated
        by id when the lookup finds the request's customer (name, and email
        when given, as ``kapture import --reconcile`` decides), its contacts'
        ids filled so none is added again; added otherwise. An add refused as
        a duplicate that names the customer ("Lead already exists, Customer
        ID :N") becomes an update of N. ``{"action": "added"|"updated",
        "customer_id": ..., "response": ...}``. A phone and an email that find
        two different customers raise ValidationError naming both ids."""
        return self._native.upsert_customer(  # type: ignore[no-any-return]
            request, match_on=match, timeout=timeout, max_retries=max_retries
        )

    def find_customer(
        self,
        *,
        customer_id: Union[int, str, None] = None,
        phone: Union[str, int, None] = None,
        email: Optional[str] = None,
        timeout: Optional[float] = None,
        max_retries: Optional[int] = None,
    ) -> Optional[Customer]:
        """Looks a customer up (Kapture's Get Customer) by its customer id,
        phone or email: the customer, or None when Kapture has none. The way
        to settle an ``outcome_unknown`` add before sending it again. A
        read: timeouts, resets and 5xx are retried."""
        return self._native.find_customer(  # type: ignore[no-any-return]
            customer_id, phone, email, timeout=timeout, max_retries=max_retries
        )

    @overload
    def add_customers(
        self,
        records: Union[Iterable[Record], Frame],
        *,
        concurrency: Optional[int] = None,
        rate: Optional[float] = None,
        columns: Columns = None,
        date_format: DateFormats = None,
        upsert: None = None,
        journal: Optional[PathLike] = None,
        key: Key = None,
        rate_scope: Optional[Literal["process", "machine"]] = None,
        rate_limiter: Optional[str] = None,
        reconcile: Literal[False] = False,
    ) -> BulkResults[Outcome]: ...

    @overload
    def add_customers(
        self,
        records: Union[Iterable[Record], Frame],
        *,
        concurrency: Optional[int] = None,
        rate: Optional[float] = None,
        columns: Columns = None,
        date_format: DateFormats = None,
        upsert: Literal["phone", "email"],
        journal: Optional[PathLike] = None,
        key: Key = None,
        rate_scope: Optional[Literal["process", "machine"]] = None,
        rate_limiter: Optional[str] = None,
        reconcile: Literal[False] = False,
    ) -> BulkResults[UpsertOutcome]: ...

    @overload
    def add_customers(
        self,
        records: Union[Iterable[Record], Frame],
        *,
        concurrency: Optional[int] = None,
        rate: Optional[float] = None,
        columns: Columns = None,
        date_format: DateFormats = None,
        upsert: Optional[Literal["phone", "email"]] = None,
        journal: Optional[PathLike] = None,
        key: Key = None,
        rate_scope: Optional[Literal["process", "machine"]] = None,
        rate_limiter: Optional[str] = None,
        reconcile: bool,
    ) -> BulkResults[ReconciledOutcome]: ...

    def add_customers(
        self,
        records: Union[Iterable[Record], Frame],
        *,
        concurrency: Optional[int] = None,
        rate: Optional[float] = None,
        columns: Columns = None,
        date_format: DateFormats = None,
        upsert: Optional[Literal["phone", "email"]] = None,
        journal: Optional[PathLike] = None,
        key: Key = None,
        rate_scope: Optional[Literal["process", "machine"]] = None,
        rate_limiter: Optional[str] = None,
        reconcile: bool = False,
    ) -> Union[BulkResults[Outcome], BulkResults[UpsertOutcome], BulkResults[ReconciledOutcome]]:
        """Adds many customers, ``concurrency`` at a time (and at most ``rate``
        per second; the pace also drops by itself when Kapture answers 429 or
        503). ``concurrency`` defaults to 8. Yields, in input order, each
        record's reply or its exception (``BLANK`` for a blank row, every
        cell empty: nothing sent): exactly one per record. Should the
        engine fail, each record still owed gets an error (an
        ``OutcomeUnknownError`` if its request had left) and the loop then
        raises one.

        Records are pulled only as the engine needs them and only while you
        take outcomes: a ``break`` sends nothing more. The results are a
        context manager; ``close()`` aborts the run (see ``kapture_crm._bulk``).

        ``records`` may be requests in the vendor's shape, flat rows
        (``df.to_dict("records")``, mapped as ``from_row`` maps them, with
        ``columns`` and ``date_format``), or a pandas DataFrame itself.

        ``upsert="phone"`` (or ``"email"``) adds or updates each record as
        ``upsert_customer`` does; each success is then an ``Upserted`` dict
        (``action``, ``customer_id``, ``response``).

        ``journal="run.journal"`` makes the run resumable: each record sent is
        recorded there (durably, before its request leaves), and a later run
        with the same journal and the same ``key`` for each record does not
        send a record again: one added with the same content comes out as the
        reply recorded then; one whose outcome was unknown comes out as an
        ``OutcomeUnknownError`` again (look it up: ``find_customer``, or run
        with ``reconcile=True``); one changed since it was added is refused (``ValidationError`` on
        ``key``); failed ones are sent. ``key`` is a field of each record (a
        column of a DataFrame) or a function of the record, giving text or a
        whole number; the rows of ``read_rows`` need none (their row number).
        One run at a time per journal, and one CRM per journal.

        ``reconcile=True`` (with a journal) settles the records an earlier
        run left unknown instead: each is looked up (``find_customer``, by
        its phone, else its email) one request timeout after the run
        starts, so a call of that run still being processed is not missed.
        Its customer found (the same name, and its email among theirs): a
        ``Found`` dict (``found_by``, ``customer_id``; there is no reply),
        not sent again. Nobody found: it is sent. Someone else found under
        its phone, or the lookup failing: an ``OutcomeUnknownError`` that
        says so.

        ``rate`` paces this run alone, unless it is shared: with
        ``rate_scope="machine"`` every run on this machine that sends to the
        same CRM with that scope shares it (a small state file, no server);
        with ``rate_limiter="redis://host:6379/0"``, every run on any machine
        naming that Redis does. A 429 or 503 any of them sees halves the
        shared pace for all."""
        check_header(records, columns, date_format, key if isinstance(key, str) else None)
        file_rows = isinstance(records, ReadRows)
        run = self._native.bulk(
            concurrency, True, rate, columns, date_format, upsert, _path(journal), key is not None, file_rows,
            rate_scope, rate_limiter, reconcile,
        )
        keyed = journal is not None
        if reconcile:
            return BulkResults[ReconciledOutcome](run, records_of(records), keyed, key)  # type: ignore[arg-type]
        if upsert is None:
            return BulkResults[Outcome](run, records_of(records), keyed, key)  # type: ignore[arg-type]
        return BulkResults[UpsertOutcome](run, records_of(records), keyed, key)  # type: ignore[arg-type]

    def close(self) -> None:
        """Closes the connection pools; later calls raise ``ClosedError``. A
        bulk run going on (in another thread) stops gently: nothing more is
        sent, calls in flight finish, the records not sent end as
        ``AbortedError``."""
        self._native.close()

    def __enter__(self) -> "Client":
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.close()


class AsyncClient(_Base):
    """asyncio client: ``await client.add_customer(request)``. Calls on one
    client may run concurrently (``asyncio.gather``); the work happens on the
    SDK's own threads, never blocking the event loop."""

    async def add_customer(
        self, request: Request, *, timeout: Optional[float] = None, max_retries: Optional[int] = None
    ) -> AddCustomerResponse:
        """``Client.add_customer``, awaitable; cancelling the task cancels the
        request (``outcome_unknown`` if it had left: settle it with
        ``find_customer``)."""
        future, abort = self._native.add_customer_async(request, timeout=timeout, max_retries=max_retries)
        try:
            return await future  # type: ignore[no-any-return]
        except asyncio.CancelledError:
            abort()  # the request stops too (see _native's aio.rs)
            raise

    async def update_customer(
        self,
        customer_id: Union[int, str],
        request: Request,
        *,
        timeout: Optional[float] = None,
        max_retries: Optional[int] = None,
    ) -> AddCustomerResponse:
        """``Client.update_customer``, awaitable."""
        future, abort = self._native.update_customer_async(
            customer_id, request, timeout=timeout, max_retries=max_retries
        )
        try:
            return await future  # type: ignore[no-any-return]
        except asyncio.CancelledError:
            abort()
            raise

    async def upsert_customer(
        self,
        request: Request,
        *,
        match: Literal["phone", "email"] = "phone",
        timeout: Optional[float] = None,
        max_retries: Optional[int] = None,
    ) -> Upserted:
        """``Client.upsert_customer``, awaitable."""
        future, abort = self._native.upsert_customer_async(
            request, match_on=match, timeout=timeout, max_retries=max_retries
        )
        try:
            return await future  # type: ignore[no-any-return]
        except asyncio.CancelledError:
            abort()
            raise

    async def find_customer(
        self,
        *,
        customer_id: Union[int, str, None] = None,
        phone: Union[str, int, None] = None,
        email: Optional[str] = None,
        timeout: Optional[float] = None,
        max_retries: Optional[int] = None,
    ) -> Optional[Customer]:
        """``Client.find_customer``, awaitable."""
        future, abort = self._native.find_customer_async(
            customer_id, phone, email, timeout=timeout, max_retries=max_retries
        )
        try:
            return await future  # type: ignore[no-any-return]
        except asyncio.CancelledError:
            abort()
            raise

    @overload
    def add_customers(
        self,
        records: Union[Iterable[Record], AsyncIterable[Record], Frame],
        *,
        concurrency: Optional[int] = None,
        rate: Optional[float] = None,
        columns: Columns = None,
        date_format: DateFormats = None,
        upsert: None = None,
        journal: Optional[PathLike] = None,
        key: Key = None,
        rate_scope: Optional[Literal["process", "machine"]] = None,
        rate_limiter: Optional[str] = None,
        reconcile: Literal[False] = False,
    ) -> AsyncBulkResults[Outcome]: ...

    @overload
    def add_customers(
        self,
        records: Union[Iterable[Record], AsyncIterable[Record], Frame],
        *,
        concurrency: Optional[int] = None,
        rate: Optional[float] = None,
        columns: Columns = None,
        date_format: DateFormats = None,
        upsert: Literal["phone", "email"],
        journal: Optional[PathLike] = None,
        key: Key = None,
        rate_scope: Optional[Literal["process", "machine"]] = None,
        rate_limiter: Optional[str] = None,
        reconcile: Literal[False] = False,
    ) -> AsyncBulkResults[UpsertOutcome]: ...

    @overload
    def add_customers(
        self,
        records: Union[Iterable[Record], AsyncIterable[Record], Frame],
        *,
        concurrency: Optional[int] = None,
        rate: Optional[float] = None,
        columns: Columns = None,
        date_format: DateFormats = None,
        upsert: Optional[Literal["phone", "email"]] = None,
        journal: Optional[PathLike] = None,
        key: Key = None,
        rate_scope: Optional[Literal["process", "machine"]] = None,
        rate_limiter: Optional[str] = None,
        reconcile: bool,
    ) -> AsyncBulkResults[ReconciledOutcome]: ...

    def add_customers(
        self,
        records: Union[Iterable[Record], AsyncIterable[Record], Frame],
        *,
        concurrency: Optional[int] = None,
        rate: Optional[float] = None,
        columns: Columns = None,
        date_format: DateFormats = None,
        upsert: Optional[Literal["phone", "email"]] = None,
        journal: Optional[PathLike] = None,
        key: Key = None,
        rate_scope: Optional[Literal["process", "machine"]] = None,
        rate_limiter: Optional[str] = None,
        reconcile: bool = False,
    ) -> Union[AsyncBulkResults[Outcome], AsyncBulkResults[UpsertOutcome], AsyncBulkResults[ReconciledOutcome]]:
        """``async for outcome in client.add_customers(records)``: replies or
        exceptions in input order; takes plain and async iterables, flat rows
        and DataFrames as ``Client.add_customers`` does."""
        check_header(records, columns, date_format, key if isinstance(key, str) else None)
        file_rows = isinstance(records, ReadRows)
        run = self._native.bulk(
            concurrency, True, rate, columns, date_format, upsert, _path(journal), key is not None, file_rows,
            rate_scope, rate_limiter, reconcile,
        )
        keyed = journal is not None
        if reconcile:
            return AsyncBulkResults[ReconciledOutcome](run, records_of(records), keyed, key)
        if upsert is None:
            return AsyncBulkResults[Outcome](run, records_of(records), keyed, key)
        return AsyncBulkResults[UpsertOutcome](run, records_of(records), keyed, key)

    async def close(self) -> None:
        self._native.close()

    async def __aenter__(self) -> "AsyncClient":
        return self

    async def __aexit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        await self.close()
