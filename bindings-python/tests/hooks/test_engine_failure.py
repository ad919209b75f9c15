"""Issue 9, case 3: an engine that dies in the middle of a run (a panic
injected through the `_testing` hook) still owes every record fed one
outcome, and the loop then raises: the run never ends quietly short."""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List

import pytest

import kapture_crm
from kapture_crm._native import _testing  # type: ignore[attr-defined]


def record(i: int) -> Dict[str, Any]:
    return {"customer_info": {"customer_name": f"Customer {i}", "phone": f"95{i:08d}"}}


def test_case_3_engine_that_dies_gives_every_record_an_outcome_and_raises() -> None:
    with kapture_crm.Sandbox() as sandbox:
        client = sandbox.client()
        _testing.panic_next_run_after(2)
        results: List[Any] = []
        with pytest.raises(kapture_crm.OutcomeUnknownError) as raised:
            for outcome in client.add_customers((record(i) for i in range(20)), concurrency=4):
                results.append(outcome)
        assert "injected" in str(raised.value)
        # Every record fed got an outcome: 2 replies, then one error each.
        assert len(results) > 2
        assert all(isinstance(r, dict) for r in results[:2])
        lost = results[2:]
        assert all(isinstance(r, (kapture_crm.InternalError, kapture_crm.OutcomeUnknownError)) for r in lost), lost
        assert all(r.code == "internal" for r in lost)
        # Case 4: a record lost after it was sent is unknown (record 2 was
        # answered, then lost with the engine); one never sent is not.
        assert lost[0].outcome_unknown is True


def test_case_3_async_engine_that_dies_raises_too() -> None:
    async def main() -> List[Any]:
        with kapture_crm.Sandbox() as sandbox:
            client = kapture_crm.AsyncClient(sandbox.token, base_url=sandbox.url)
            _testing.panic_next_run_after(2)
            results: List[Any] = []
            with pytest.raises(kapture_crm.KaptureError):
                async for outcome in client.add_customers([record(i) for i in range(20)], concurrency=4):
                    results.append(outcome)
            return results

    results = asyncio.run(main())
    assert len(results) > 2
    assert all(r.code == "internal" for r in results[2:])


def test_the_fault_is_taken_by_one_run_only(sandbox: kapture_crm.Sandbox) -> None:
    client = sandbox.client()
    _testing.panic_next_run_after(0)
    with pytest.raises(kapture_crm.KaptureError):
        list(client.add_customers([record(0)]))
    assert [o["status"] for o in client.add_customers([record(1), record(2)])] == ["success", "success"]
