"""The GIL is released, threads share a client, asyncio is never blocked."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from typing import Any, List

import kapture_crm
from conftest import Step, Ticker

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


async def _add_many(sandbox: kapture_crm.Sandbox, name: str, phones: str, n: int) -> List[Any]:
    """`n` adds on one AsyncClient of `sandbox`, all in flight at once
    (customer `name<i>`, phone `phones<i:08d>`)."""
    async with sandbox.async_client() as client:
        calls = [
            client.add_customer({"customer_info": {"customer_name": f"{name}{i}", "phone": f"{phones}{i:08d}"}})
            for i in range(n)
        ]
        return await asyncio.gather(*calls)


def test_async_gather_of_50_calls_on_one_client(sandbox: kapture_crm.Sandbox) -> None:
    replies = asyncio.run(_add_many(sandbox, "C", "98", 50))
    ids = [r["customer"]["customer_id"] for r in replies]
    assert len(set(ids)) == 50
    assert len(sandbox.customers()) == 50


def test_event_loop_keeps_ticking_during_a_slow_call(scripted: Any) -> None:
    server = scripted(Step.success(delay=1.0))

    async def main() -> int:
        client = server.async_client()
        async with Ticker(0.01) as ticker:
            await client.add_customer(MINIMAL)
        return ticker.ticks

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


def _silent_server() -> "tuple[int, dict[str, Any]]":
    """A server that reads one request and never answers; ``seen["closed"]``
    is how long after the request the client closed the connection (None:
    still open 5 s later)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    seen: "dict[str, Any]" = {}

    def serve() -> None:
        conn, _ = listener.accept()
        conn.settimeout(5)
        data = b""
        while b"\r\n\r\n" not in data:
            data += conn.recv(65536)
        seen["request"] = True
        started = time.monotonic()
        try:
            while conn.recv(65536):
                pass
            seen["closed"] = time.monotonic() - started
        except socket.timeout:
            seen["closed"] = None
        conn.close()
        listener.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    seen["thread"] = thread
    return listener.getsockname()[1], seen


def test_cancelling_each_kind_of_await_stops_its_request() -> None:
    # The request is dropped (its connection closed), not left running
    # until its timeout: add, update and find alike.
    for name in ("add", "update", "find"):
        port, seen = _silent_server()

        async def main() -> None:
            client = kapture_crm.AsyncClient(token="t", base_url=f"http://127.0.0.1:{port}", max_retries=0)
            call = {
                "add": lambda: client.add_customer(MINIMAL),
                "update": lambda: client.update_customer(42, {"customer_info": {"customer_name": "B"}}),
                "find": lambda: client.find_customer(phone="9845012387"),
            }[name]()
            task = asyncio.ensure_future(call)
            while "request" not in seen:
                await asyncio.sleep(0.01)
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                pass
            else:
                raise AssertionError(f"{name}: not cancelled")

        asyncio.run(main())
        seen["thread"].join(10)
        assert seen.get("closed") is not None, f"{name}: the request went on after its await was cancelled"
        assert seen["closed"] < 3, (name, seen["closed"])


# How finished calls wake their event loop (src/aio.rs): a socket pair the
# loop watches, or `call_soon_threadsafe` for a loop that cannot watch one.


class _NoReaderLoop(asyncio.SelectorEventLoop):
    """A loop without `add_reader`, as Windows' proactor loop is."""

    def add_reader(self, *args: Any, **kwargs: Any) -> None:
        raise NotImplementedError("no add_reader here")


def test_a_loop_without_add_reader_still_gets_every_reply(sandbox: kapture_crm.Sandbox) -> None:
    loop = _NoReaderLoop()
    try:
        replies = loop.run_until_complete(asyncio.wait_for(_add_many(sandbox, "N", "97", 40), 20))
    finally:
        loop.close()
    assert [r["status"] for r in replies] == ["success"] * 40
    assert len({r["customer"]["customer_id"] for r in replies}) == 40


def _open_fds() -> int:
    import os

    return len(os.listdir("/proc/self/fd"))


def test_many_event_loops_one_after_another_leave_no_descriptor_behind(sandbox: kapture_crm.Sandbox) -> None:
    import gc

    async def one(i: int) -> Any:
        async with sandbox.async_client() as client:
            return await client.add_customer({"customer_info": {"customer_name": f"L{i}", "phone": f"96{i:08d}"}})

    asyncio.run(one(0))  # the shared runtime is built on the first call
    gc.collect()
    before = _open_fds()
    for i in range(1, 60):
        # A new loop may take a collected one's address: it must be watched
        # afresh, not left to a socket nobody reads.
        assert asyncio.run(asyncio.wait_for(one(i), 20))["status"] == "success"
    gc.collect()
    # Each loop's socket pair is closed once the loop is collected (two
    # descriptors a loop were left open without that). Connections of the
    # closed clients may take a moment to close on the sandbox's side.
    deadline = time.monotonic() + 5
    while _open_fds() > before + 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _open_fds() <= before + 2, (before, _open_fds())


def test_two_loops_in_two_threads_each_get_their_own_replies(sandbox: kapture_crm.Sandbox) -> None:
    results: "dict[str, List[str]]" = {}

    def run(tag: str, phones: str) -> None:
        replies = asyncio.run(asyncio.wait_for(_add_many(sandbox, tag, phones, 30), 20))
        results[tag] = [r["status"] for r in replies]

    threads = [threading.Thread(target=run, args=args) for args in (("A", "95"), ("B", "94"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert results == {"A": ["success"] * 30, "B": ["success"] * 30}
