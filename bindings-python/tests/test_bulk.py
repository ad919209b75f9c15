"""add_customers: one result per input, in order, bounded memory."""

from __future__ import annotations

import asyncio
from typing import Any, AsyncIterator, Dict, Iterator, List

import kapture_crm
from conftest import Ticker


def record(i: int) -> Dict[str, Any]:
    return {"customer_info": {"customer_name": f"Customer {i}", "phone": f"96{i:08d}"}}


def test_results_in_input_order_through_faults_and_bad_records() -> None:
    faults = {"seed": 5, "rate_limit": 0.05, "unavailable": 0.05, "drop_after": 0.05, "retry_after": 0}
    records: List[Any] = [record(i) for i in range(200)]
    records[17] = {"customer_info": {"customer_name": "X", "mobile": "9000000000"}}
    records[50] = "not a dict"
    with kapture_crm.Sandbox(faults) as sandbox:
        client = sandbox.client(max_retries=10)
        results = list(client.add_customers(records, concurrency=64))
        assert len(results) == 200
        assert isinstance(results[17], kapture_crm.ValidationError)
        assert results[17].errors[0]["path"] == "customer_info.mobile"
        assert isinstance(results[50], kapture_crm.ValidationError)
        unknown = [r for r in results if isinstance(r, kapture_crm.OutcomeUnknownError)]
        assert unknown and all(r.outcome_unknown for r in unknown)
        assert len(unknown) == sandbox.stats()["faults_injected"]["drop_after"]
        by_id = {c["customer_id"]: c for c in sandbox.customers()}
        for i, result in enumerate(results):
            if isinstance(result, dict):
                stored = by_id[result["customer"]["customer_id"]]
                assert stored["request"]["customer_info"]["customer_name"] == f"Customer {i}"
        customers = sandbox.customers()
        assert len(customers) == 198  # every good record stored, the dropped replies too
        assert all(c["writes"] == 1 for c in customers)


def test_input_generator_is_pulled_lazily(sandbox: kapture_crm.Sandbox) -> None:
    pulled = 0

    def endless() -> Iterator[Dict[str, Any]]:
        nonlocal pulled
        i = 0
        while True:  # millions, or forever: never materialised
            pulled += 1
            yield record(i)
            i += 1

    client = sandbox.client()
    yielded = 0
    for result in client.add_customers(endless(), concurrency=4):
        assert isinstance(result, dict)
        yielded += 1
        # The engine's lookahead (32 windows), the outcomes and input channels (as much each).
        assert pulled - yielded <= 96 * 4 + 3, (pulled, yielded)
        if yielded == 300:
            break
    assert pulled <= 300 + 96 * 4 + 3


def test_generator_error_is_raised_after_what_it_gave(sandbox: kapture_crm.Sandbox) -> None:
    def broken() -> Iterator[Dict[str, Any]]:
        yield record(1)
        raise RuntimeError("source broke")

    client = sandbox.client()
    results = client.add_customers(broken())
    try:
        list(results)
    except RuntimeError as e:
        assert str(e) == "source broke"
    else:
        raise AssertionError("the input's error was swallowed")


def test_bad_concurrency_is_config_error(sandbox: kapture_crm.Sandbox) -> None:
    try:
        sandbox.client().add_customers([], concurrency=0)
    except kapture_crm.ConfigError as e:
        assert "concurrency" in str(e)
    else:
        raise AssertionError("concurrency=0 accepted")


def test_async_add_customers_with_an_async_generator() -> None:
    async def source(n: int) -> AsyncIterator[Dict[str, Any]]:
        for i in range(n):
            if i % 25 == 0:
                await asyncio.sleep(0)
            yield record(i) if i != 3 else {"customer_info": {"customer_name": ""}}

    async def main(sandbox: kapture_crm.Sandbox) -> List[Any]:
        async with sandbox.async_client(max_retries=10) as client:
            return [r async for r in client.add_customers(source(120), concurrency=32)]

    with kapture_crm.Sandbox({"seed": 2, "rate_limit": 0.2, "retry_after": 0}) as sandbox:
        results = asyncio.run(main(sandbox))
        assert len(results) == 120
        assert isinstance(results[3], kapture_crm.ValidationError)
        assert all(isinstance(r, dict) for i, r in enumerate(results) if i != 3)
        assert len(sandbox.customers()) == 119


def test_async_add_customers_with_a_list(sandbox: kapture_crm.Sandbox) -> None:
    async def main() -> List[Any]:
        client = sandbox.async_client()
        return [r async for r in client.add_customers([record(i) for i in range(30)], concurrency=3)]

    results = asyncio.run(main())
    names = [c["request"]["customer_info"]["customer_name"] for c in sandbox.customers()]
    assert len(results) == 30 and sorted(names) == sorted(f"Customer {i}" for i in range(30))


def test_rate_paces_the_calls(sandbox: kapture_crm.Sandbox) -> None:
    import time

    client = sandbox.client()
    started = time.monotonic()
    results = list(client.add_customers([record(i) for i in range(21)], concurrency=8, rate=20.0))
    assert len(results) == 21 and all(isinstance(r, dict) for r in results)
    assert time.monotonic() - started >= 0.95  # 21 starts at 20 per second
    try:
        client.add_customers([], rate=0)
    except kapture_crm.ConfigError as e:
        assert "rate" in str(e)
    else:
        raise AssertionError("rate=0 accepted")


def test_async_add_customers_whose_outcomes_are_always_ready_lets_other_tasks_run(
    sandbox: kapture_crm.Sandbox,
) -> None:
    # Invalid records are answered by the core without any I/O, and each
    # outcome is held a little (the caller's own work), so outcomes are there
    # whenever the loop asks: a run that never awaited would starve every
    # other task until it ended.
    import time

    n = 4000
    seen: List[int] = []

    async def main() -> int:
        count = 0
        client = sandbox.async_client()
        records = ({"customer_info": {"customer_name": "X"}} for _ in range(n))
        async with Ticker() as ticker:
            async for r in client.add_customers(records, concurrency=64):
                assert isinstance(r, kapture_crm.ValidationError)
                until = time.perf_counter() + 20e-6
                while time.perf_counter() < until:
                    pass
                count += 1
                if count in (n // 4, 3 * n // 4):
                    seen.append(ticker.ticks)
        return count

    assert asyncio.run(main()) == n
    assert seen[1] > seen[0], f"no other task ran in the middle half of the run ({seen})"
