"""A fork at the instant the runtime's thread holds the async inboxes
(needs the `_testing` hook that holds them)."""

from __future__ import annotations

import asyncio
import os

import kapture_crm
from kapture_crm._native import _testing  # type: ignore[attr-defined]
from test_fork import record, wait_for_child


def test_async_call_in_a_child_forked_while_the_runtime_held_the_inboxes(sandbox: kapture_crm.Sandbox) -> None:
    """The runtime's thread locks the async inboxes for an instant on every
    delivery. A fork at that instant gave the child a lock that no thread
    of its own would ever release, and its first async call waited forever.
    The fork is made while a thread (not Python's, as the runtime's is not)
    holds that lock."""
    client = sandbox.async_client()

    async def add(tag: str, i: int) -> str:
        return str((await client.add_customer(record(tag, i)))["status"])

    assert asyncio.run(add("parent", 0)) == "success"  # the inboxes exist now
    _testing.hold_async_inboxes(2.0)
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            code = 0 if asyncio.run(add("child", 1)) == "success" else 2
        finally:
            os._exit(code)
    assert wait_for_child(pid, seconds=15.0) == 0
    assert asyncio.run(add("parent", 2)) == "success"
    names = sorted(c["request"]["customer_info"]["customer_name"] for c in sandbox.customers())
    assert names == ["child1", "parent0", "parent2"]
