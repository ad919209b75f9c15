"""The project's sandbox, started in this process: test your own code
against a Kapture-compatible server without a network."""

from __future__ import annotations

from types import TracebackType
from typing import Any, Dict, List, Literal, Mapping, Optional, Type, Union

from . import _native
from ._client import AsyncClient, Client

Faults = Union[str, Mapping[str, Any]]


class Sandbox:
    """A local Kapture-compatible server on 127.0.0.1.

    >>> with Sandbox(faults="rate_limit=0.1,seed=7") as sandbox:
    ...     client = sandbox.client()
    ...     client.add_customer({...})
    ...     assert all(c["writes"] == 1 for c in sandbox.customers())

    ``faults``: a spec string or a dict with ``seed``, ``latency_ms``,
    ``retry_after`` and shares (0 to 1) of ``rate_limit``, ``unavailable``,
    ``server_error``, ``drop_before``, ``drop_after``, ``malformed``, ``html``,
    ``echo_secrets``.
    """

    def __init__(
        self,
        faults: Optional[Faults] = None,
        *,
        token: Optional[str] = None,
        port: int = 0,
        merge: bool = True,
        duplicates: Optional[Literal["merge", "separate", "refuse"]] = None,
    ) -> None:
        """``merge=False`` turns off the sandbox's same-phone-or-email rule
        (an assumption of ours, not the vendor's): every add without a
        customer id then makes a new customer, so a double send shows.
        ``duplicates="refuse"`` instead answers such an add the way a
        duplicate reply reads in public material ("Lead already exists,
        Customer ID :N, ...", status failed) and stores nothing."""
        self._native = _native.Sandbox(faults, token=token, port=port, merge=merge, duplicates=duplicates)

    @property
    def url(self) -> str:
        """Base URL for a client: ``http://127.0.0.1:<port>``."""
        return self._native.url

    @property
    def token(self) -> str:
        return self._native.token

    def client(self, **options: Any) -> Client:
        """A Client pointed at this sandbox (options as for Client)."""
        return Client(self.token, base_url=self.url, **options)

    def async_client(self, **options: Any) -> AsyncClient:
        return AsyncClient(self.token, base_url=self.url, **options)

    def customers(self) -> List[Dict[str, Any]]:
        """Stored customers: ``customer_id``, ``contact_ids``, ``writes`` (how
        many requests wrote it) and the last ``request``."""
        return self._native.customers()

    def stats(self) -> Dict[str, Any]:
        return self._native.stats()

    def arrivals(self) -> List[float]:
        """When each add-update request arrived, in seconds from the
        sandbox's start: for measuring a client's pace."""
        return self._native.arrivals()

    def faults(self) -> Dict[str, Any]:
        return self._native.faults()

    def set_faults(self, faults: Faults) -> None:
        self._native.set_faults(faults)

    def clear(self) -> None:
        self._native.clear()

    def stop(self) -> None:
        self._native.stop()

    def __enter__(self) -> "Sandbox":
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.stop()

    async def __aenter__(self) -> "Sandbox":
        return self

    async def __aexit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"Sandbox(url={self.url!r})"
