"""Hands a result from the Rust runtime to an asyncio future (called through
``loop.call_soon_threadsafe``, so always on the loop's own thread)."""

from __future__ import annotations

import asyncio
from typing import Any


def resolve(future: "asyncio.Future[Any]", ok: bool, value: Any) -> None:
    if future.done():  # cancelled meanwhile
        return
    if ok:
        future.set_result(value)
    else:
        future.set_exception(value)
