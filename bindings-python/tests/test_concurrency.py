"""The GIL is released, threads share a client, asyncio is never blocked."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any, List

import kapture_crm
from conftest import Step

MINIMAL = {"customer_info": {"customer_name": "A", "email_id": "a@b.co"}}


def test_gil_is_released_during_a_slow_call(scripted: Any) -> None:
    server = scripted(Step.success(delay=1.0))
    client = server.client()
    ticks = 0
    stop = threading.Event()

    def spin() -> None:
        nonlocal ticks
        while not stop.is_set():
            ticks += 1  # pure Python: needs the GIL

    spinner = threading.Thread(target=spin)
    spinner.start()
    before = ticks
    client.add_customer(MINIMAL)
    during = ticks - before
    stop.set()
    spinner.join()
    # With the GIL held for the whole second the spinner would barely move
    # (a switch interval or two); released, it runs millions of times.
    assert during > 100_000, during


def test_one_client_shared_by_threads(sandbox: kapture_crm.Sandbox) -> None:
    client = sandbox.client()
    errors: List[BaseException] = []

    def work(t: int) -> None:
        try:
            for i in range(25):
                client.add_customer({"customer_info": {"customer_name": f"T{t}", "phone": f"9{t:02d}{i:07d}"}})
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    customers = sandbox.customers()
    assert len(customers) == 200
    assert all(c["writes"] == 1 for c in customers)


def test_async_gather_of_50_calls_on_one_client(sandbox: kapture_crm.Sandbox) -> None:
    async def main() -> List[Any]:
        async with sandbox.async_client() as client:
            calls = [
                client.add_customer({"customer_info": {"customer_name": f"C{i}", "phone": f"98{i:08d}"}})
                for i in range(50)
            ]
            return await asyncio.gather(*calls)

    replies = asyncio.run(main())
    ids = [r["customer"]["customer_id"] for r in replies]
    assert len(set(ids)) == 50
    assert len(sandbox.customers()) == 50


def test_event_loop_keeps_ticking_during_a_slow_call(scripted: Any) -> None:
    server = scripted(Step.success(delay=1.0))

    async def main() -> int:
        client = server.async_client()
        ticks = 0
        done = False

        async def ticker() -> None:
            nonlocal ticks
            while not done:
                ticks += 1
                await asyncio.sleep(0.01)

        task = asyncio.ensure_future(ticker())
        await client.add_customer(MINIMAL)
        done = True
        await task
        return ticks

    ticks = asyncio.run(main())
    assert ticks >= 50, ticks


def test_async_errors_are_raised_at_await(scripted: Any) -> None:
    server = scripted(Step(401, '{"message":"Invalid Auth Key","status":"failed"}'))

    async def main() -> None:
        client = server.async_client()
        try:
            await client.add_customer(MINIMAL)
        except kapture_crm.AuthenticationError as e:
            assert e.status_code == 401
        else:
            raise AssertionError("no error")

    asyncio.run(main())


def test_cancelling_an_await_does_not_break_the_client(scripted: Any) -> None:
    server = scripted(Step.success(delay=0.5), Step.success())

    async def main() -> Any:
        client = server.async_client()
        try:
            await asyncio.wait_for(client.add_customer(MINIMAL), timeout=0.1)
        except asyncio.TimeoutError:
            pass
        return await client.add_customer(MINIMAL)

    started = time.monotonic()
    assert asyncio.run(main())["status"] == "success"
    assert time.monotonic() - started < 5
