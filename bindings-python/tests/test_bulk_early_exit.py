"""Leaving a bulk loop early sends nothing more; closing or dropping the
results aborts the run; an input that raises still gets an outcome for
every record already fed, then its exception."""

from __future__ import annotations

import asyncio
import gc
import time
from typing import Any, AsyncIterator, Dict, Iterator, List

import pytest

import kapture_crm

CONCURRENCY = 4
# What may be sent once the caller stops taking outcomes: the calls in
# flight, the records the engine has staged, and `concurrency` queued; the
# run fed 32 windows (128 here) before it fed only on the engine's demand.
AHEAD = 1 + 4 * CONCURRENCY


def record(i: int) -> Dict[str, Any]:
    return {"customer_info": {"customer_name": f"Early {i}", "phone": f"97{i:08d}"}}


def records(n: int) -> Iterator[Dict[str, Any]]:
    return (record(i) for i in range(n))


@pytest.fixture
def slow_sandbox() -> Iterator[kapture_crm.Sandbox]:
    with kapture_crm.Sandbox(faults={"latency_ms": 100}) as sandbox:
        yield sandbox


def sent(sandbox: kapture_crm.Sandbox) -> int:
    return int(sandbox.stats()["add_update_requests"])


def settled(sandbox: kapture_crm.Sandbox) -> int:
    """The request count once calls in flight have had time to finish."""
    time.sleep(1.0)
    return sent(sandbox)


def assert_nothing_sent_after(sandbox: kapture_crm.Sandbox, at_stop: int) -> None:
    """A call already on its way when the run stopped may still reach the
    server (at most `concurrency` of them); after that the count holds."""
    after = settled(sandbox)
    assert after <= at_stop + CONCURRENCY, (after, at_stop)
    assert settled(sandbox) == after


def test_break_out_of_a_sync_bulk_loop_sends_no_more_than_the_calls_in_flight(slow_sandbox: kapture_crm.Sandbox) -> None:
    client = slow_sandbox.client()
    results = client.add_customers(records(1000), concurrency=CONCURRENCY)
    for _outcome in results:
        break
    # In flight at the break, and at most `concurrency` records queued.
    assert settled(slow_sandbox) <= AHEAD
    assert settled(slow_sandbox) <= AHEAD
    results.close()


def test_break_out_of_an_async_bulk_loop_sends_no_more_than_the_calls_in_flight(slow_sandbox: kapture_crm.Sandbox) -> None:
    async def main() -> None:
        client = slow_sandbox.async_client()
        results = client.add_customers(records(1000), concurrency=CONCURRENCY)
        async for _outcome in results:
            break
        await asyncio.sleep(1.0)
        assert sent(slow_sandbox) <= AHEAD
        await asyncio.sleep(1.0)
        assert sent(slow_sandbox) <= AHEAD
        await results.aclose()

    asyncio.run(main())


def test_closing_sync_results_aborts_the_run_and_what_was_on_the_wire_is_aborted(slow_sandbox: kapture_crm.Sandbox) -> None:
    client = slow_sandbox.client()
    with client.add_customers(records(1000), concurrency=CONCURRENCY) as results:
        first = next(results)
        assert first["status"] == "success"
    at_close = sent(slow_sandbox)
    rest: List[Any] = list(results)
    assert all(isinstance(o, dict) or o.code == "aborted" for o in rest), rest
    assert any(isinstance(o, kapture_crm.OutcomeUnknownError) and o.code == "aborted" for o in rest)
    assert_nothing_sent_after(slow_sandbox, at_close)


def test_dropping_the_sync_results_in_a_for_loop_aborts_the_run(slow_sandbox: kapture_crm.Sandbox) -> None:
    client = slow_sandbox.client()
    for _outcome in client.add_customers(records(1000), concurrency=CONCURRENCY):
        break
    gc.collect()
    at_drop = sent(slow_sandbox)
    assert at_drop <= AHEAD
    assert_nothing_sent_after(slow_sandbox, at_drop)


def test_closing_async_results_aborts_the_run(slow_sandbox: kapture_crm.Sandbox) -> None:
    async def main() -> List[Any]:
        client = slow_sandbox.async_client()
        async with client.add_customers(records(1000), concurrency=CONCURRENCY) as results:
            async for _outcome in results:
                break
        at_close = sent(slow_sandbox)
        rest = [o async for o in results]
        await asyncio.sleep(1.0)
        after = sent(slow_sandbox)
        assert after <= at_close + CONCURRENCY, (after, at_close)
        await asyncio.sleep(1.0)
        assert sent(slow_sandbox) == after
        return rest

    rest = asyncio.run(main())
    # Answered before the abort: their replies; the rest: aborted.
    assert all(isinstance(o, dict) or o.code == "aborted" for o in rest), rest
    assert any(isinstance(o, kapture_crm.KaptureError) for o in rest)


def raising_at(n: int, total: int) -> Iterator[Dict[str, Any]]:
    for i in range(total):
        if i == n:
            raise LookupError(f"the source failed at record {n}")
        yield record(i)


def test_a_source_that_raises_in_a_sync_run_gets_every_fed_record_an_outcome_first(sandbox: kapture_crm.Sandbox) -> None:
    client = sandbox.client()
    outcomes: List[Any] = []
    with pytest.raises(LookupError, match="record 500"):
        for outcome in client.add_customers(raising_at(500, 1000), concurrency=8):
            outcomes.append(outcome)
    assert len(outcomes) == 500
    assert all(o["status"] == "success" for o in outcomes)
    assert len(sandbox.customers()) == 500


def test_a_source_that_raises_in_an_async_run_gets_every_fed_record_an_outcome_first(sandbox: kapture_crm.Sandbox) -> None:
    async def source() -> AsyncIterator[Dict[str, Any]]:
        for item in raising_at(300, 1000):
            yield item

    async def main() -> List[Any]:
        outcomes: List[Any] = []
        with pytest.raises(LookupError, match="record 300"):
            async for outcome in sandbox.async_client().add_customers(source(), concurrency=8):
                outcomes.append(outcome)
        return outcomes

    outcomes = asyncio.run(main())
    assert len(outcomes) == 300
    assert len(sandbox.customers()) == 300


def test_closing_the_client_from_another_thread_stops_a_bulk_run_gently(slow_sandbox: kapture_crm.Sandbox) -> None:
    import threading

    client = slow_sandbox.client()
    outcomes: List[Any] = []
    first = threading.Event()

    def consume() -> None:
        for outcome in client.add_customers(records(1000), concurrency=CONCURRENCY):
            outcomes.append(outcome)
            first.set()

    consumer = threading.Thread(target=consume)
    consumer.start()
    assert first.wait(10)
    client.close()
    consumer.join(10)
    assert not consumer.is_alive(), "the run did not end after close()"
    answered = [o for o in outcomes if isinstance(o, dict)]
    stopped = [o for o in outcomes if not isinstance(o, dict)]
    # Calls in flight finished with their replies; the rest were not sent.
    assert stopped and all(isinstance(o, kapture_crm.AbortedError) and not o.outcome_unknown for o in stopped)
    assert len(answered) == sent(slow_sandbox) == settled(slow_sandbox)
    assert len(outcomes) < 1000
