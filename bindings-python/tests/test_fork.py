"""A client keeps working in a child after os.fork() and under multiprocessing."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from typing import Any, Dict, List, Optional

import kapture_crm

_client: Optional[kapture_crm.Client] = None


def record(tag: str, i: int) -> Dict[str, Any]:
    return {"customer_info": {"customer_name": f"{tag}{i}", "phone": f"95{os.getpid() % 1000:03d}{i:05d}"}}


def wait_for_child(pid: int, seconds: float = 30.0) -> int:
    """The child's exit code; a child that hangs (a dead runtime inherited
    from the parent would) is killed and fails the test instead of CI."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.02)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    raise AssertionError("the forked child hung")


def test_client_works_in_a_forked_child(sandbox: kapture_crm.Sandbox) -> None:
    client = sandbox.client()
    client.add_customer(record("parent", 0))  # the parent's runtime and pool exist now
    pid = os.fork()
    if pid == 0:  # child: report through the exit code only
        code = 1
        try:
            reply = client.add_customer(record("child", 1))
            code = 0 if reply["status"] == "success" else 2
        finally:
            os._exit(code)
    assert wait_for_child(pid) == 0
    # And the parent still works after its child came and went.
    client.add_customer(record("parent", 2))
    names = sorted(c["request"]["customer_info"]["customer_name"] for c in sandbox.customers())
    assert names == ["child1", "parent0", "parent2"]


def _add_in_worker(i: int) -> str:
    assert _client is not None
    reply = _client.add_customer(record("worker", i))
    return str(reply["status"])


def test_multiprocessing_pool_shares_a_module_level_client(sandbox: kapture_crm.Sandbox) -> None:
    global _client
    _client = sandbox.client()
    _client.add_customer(record("main", 0))
    context = multiprocessing.get_context("fork")
    with context.Pool(3) as pool:
        statuses: List[str] = pool.map_async(_add_in_worker, range(12)).get(timeout=30)
    assert statuses == ["success"] * 12
    assert len(sandbox.customers()) == 13
