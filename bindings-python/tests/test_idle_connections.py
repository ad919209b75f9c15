"""Clients behind something that closes idle keep-alive connections (a load
balancer's idle timeout, nginx's keepalive_timeout, a server restart) never
report an unknown outcome for a request that never left: a connection the
server already closed is not used for a POST."""

from __future__ import annotations

import asyncio
import random
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest

import kapture_crm

PROXY = Path(__file__).resolve().parents[2] / "tests" / "tools" / "idle_proxy.py"
CALLS = 50


def gaps(seed: int) -> List[float]:
    """Idle gaps 0.2 s either side of the proxy's 0.5 s cutoff, leaving out
    the true race right at it: from [0, 0.3] or [0.7, 1] seconds."""
    rng = random.Random(seed)
    return [rng.uniform(0.0, 0.3) if rng.random() < 0.5 else rng.uniform(0.7, 1.0) for _ in range(CALLS)]


def record(prefix: int, i: int) -> Dict[str, Any]:
    return {"customer_info": {"customer_name": f"Idle {prefix}-{i}", "phone": f"9{prefix}{i:08d}"}}


@pytest.fixture
def idle_proxy(sandbox: kapture_crm.Sandbox) -> Iterator[str]:
    """A TCP proxy in front of the sandbox that closes connections idle 0.5 s."""
    port = sandbox.url.rsplit(":", 1)[1]
    proxy = subprocess.Popen(
        [sys.executable, str(PROXY), port, "0.5"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert proxy.stdout is not None
        line = proxy.stdout.readline().split()
        assert line[0] == "PORT", line
        yield f"http://127.0.0.1:{line[1]}"
    finally:
        proxy.kill()
        proxy.wait()


def test_no_false_unknown_outcome_after_idle_gaps_behind_a_proxy_that_closes_idle_connections(
    sandbox: kapture_crm.Sandbox, idle_proxy: str
) -> None:
    failures: Dict[str, List[str]] = {"sync": [], "async": [], "bulk": []}
    replies: Dict[str, int] = {"sync": 0, "async": 0, "bulk": 0}

    def sync_client() -> None:
        with kapture_crm.Client(sandbox.token, base_url=idle_proxy, max_retries=0) as client:
            for i, gap in enumerate(gaps(1)):
                time.sleep(gap)
                try:
                    client.add_customer(record(1, i))
                    replies["sync"] += 1
                except kapture_crm.KaptureError as e:
                    failures["sync"].append(f"after {gap:.2f} s: {e!r}")

    def async_client() -> None:
        async def main() -> None:
            async with kapture_crm.AsyncClient(sandbox.token, base_url=idle_proxy, max_retries=0) as client:
                for i, gap in enumerate(gaps(2)):
                    await asyncio.sleep(gap)
                    try:
                        await client.add_customer(record(2, i))
                        replies["async"] += 1
                    except kapture_crm.KaptureError as e:
                        failures["async"].append(f"after {gap:.2f} s: {e!r}")

        asyncio.run(main())

    def bulk_run() -> None:
        def slow_records() -> Iterator[Dict[str, Any]]:
            for i, gap in enumerate(gaps(3)):
                time.sleep(gap)
                yield record(3, i)

        with kapture_crm.Client(sandbox.token, base_url=idle_proxy, max_retries=0) as client:
            for outcome in client.add_customers(slow_records(), concurrency=1):
                if isinstance(outcome, kapture_crm.KaptureError):
                    failures["bulk"].append(repr(outcome))
                else:
                    replies["bulk"] += 1

    threads = [threading.Thread(target=t) for t in (sync_client, async_client, bulk_run)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == {"sync": [], "async": [], "bulk": []}
    assert replies == {"sync": CALLS, "async": CALLS, "bulk": CALLS}
    assert sandbox.stats()["add_update_requests"] == 3 * CALLS


def test_no_false_unknown_outcome_after_the_server_restarts() -> None:
    first = kapture_crm.Sandbox()
    port = int(first.url.rsplit(":", 1)[1])
    token = first.token
    client = kapture_crm.Client(token, base_url=first.url, max_retries=0)

    async def one_async(aclient: kapture_crm.AsyncClient, i: int) -> Any:
        return await aclient.add_customer(record(5, i))

    aclient = kapture_crm.AsyncClient(token, base_url=first.url, max_retries=0)
    loop = asyncio.new_event_loop()
    try:
        client.add_customer(record(4, 0))
        loop.run_until_complete(one_async(aclient, 0))
        assert list(client.add_customers([record(6, 0)]))[0]["status"] == "success"
        first.stop()
        with kapture_crm.Sandbox(token=token, port=port) as second:
            assert client.add_customer(record(4, 1))["status"] == "success"
            assert loop.run_until_complete(one_async(aclient, 1))["status"] == "success"
            assert list(client.add_customers([record(6, 1)]))[0]["status"] == "success"
            assert second.stats()["add_update_requests"] == 3
    finally:
        loop.run_until_complete(aclient.close())
        loop.close()
        client.close()
