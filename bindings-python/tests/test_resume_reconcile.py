"""Step 17 item 1: ``add_customers(..., journal=, key=, reconcile=True)``
settles the records an earlier run left unknown, against the sandbox: found
ones come out as ``Found`` (no reply is made up) and are not sent; ones
nobody received are sent; another customer's phone stays unknown."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any, Dict, List

import pytest

import kapture_crm


def record(key: str, name: str, phone: str) -> Dict[str, Any]:
    return {"ref": key, "customer_info": {"customer_name": name, "phone": phone}}


def test_reconcile_finds_what_landed_sends_what_did_not_and_keeps_a_strangers_phone_unknown(tmp_path: Path) -> None:
    journal = tmp_path / "run.journal"
    landed = [record(f"L-{i}", f"Landed {i}", f"98300000{i:02d}") for i in range(3)]
    lost = [record(f"N-{i}", f"Lost {i}", f"98400000{i:02d}") for i in range(2)]
    stranger = record("S-0", "New Person", "9850000000")
    with kapture_crm.Sandbox(merge=False) as sandbox:
        client = sandbox.client(max_retries=0, timeout=1)
        client.add_customer({"customer_info": {"customer_name": "Old Customer", "phone": "9850000000"}})
        # Processed, then the replies lost.
        sandbox.set_faults({"drop_after": 1.0})
        first = list(client.add_customers(landed, journal=journal, key="ref"))
        # Lost before the server read them.
        sandbox.set_faults({"drop_before": 1.0})
        first += list(client.add_customers(lost + [stranger], journal=journal, key="ref"))
        assert all(isinstance(o, kapture_crm.OutcomeUnknownError) for o in first), first
        sandbox.set_faults({})
        sent = sandbox.stats()["add_update_requests"]

        again = list(client.add_customers(landed + lost + [stranger], journal=journal, key="ref", reconcile=True))
        held = sandbox.customers()
        resent = sandbox.stats()["add_update_requests"] - sent
        # A later run without reconcile: the journal says found.
        later = list(client.add_customers(landed, journal=journal, key="ref"))

    by_phone = {c["request"]["customer_info"]["phone"]: c["customer_id"] for c in held}
    for outcome, r in zip(again[:3], landed):
        assert outcome == {"found_by": "lookup", "customer_id": by_phone[r["customer_info"]["phone"]]}
    for outcome in again[3:5]:
        assert isinstance(outcome, dict) and outcome["status"] == "success"
    assert isinstance(again[5], kapture_crm.OutcomeUnknownError)
    assert "not this record's customer" in str(again[5]) and "S-0" in str(again[5])
    assert resent == 2, "only the two nobody received were sent"
    assert len(held) == 1 + 3 + 2 and all(c["writes"] == 1 for c in held)
    assert later == again[:3]
    assert all(isinstance(o, kapture_crm.FromJournal) for o in again[:3] + later)
    assert not any(isinstance(o, kapture_crm.FromJournal) for o in again[3:5])


def test_reconcile_in_an_async_run(tmp_path: Path) -> None:
    journal = tmp_path / "run.journal"
    records = [record(f"A-{i}", f"Async {i}", f"98600000{i:02d}") for i in range(2)]

    async def main(sandbox: kapture_crm.Sandbox) -> List[Any]:
        async with sandbox.async_client(max_retries=0, timeout=1) as client:
            sandbox.set_faults({"drop_after": 1.0})
            async for _ in client.add_customers(records, journal=journal, key="ref"):
                pass
            sandbox.set_faults({})
            return [o async for o in client.add_customers(records, journal=journal, key="ref", reconcile=True)]

    with kapture_crm.Sandbox(merge=False) as sandbox:
        outcomes = asyncio.run(main(sandbox))
        held = sandbox.customers()
    assert [o["found_by"] for o in outcomes] == ["lookup", "lookup"]  # type: ignore[index]
    assert len(held) == 2 and all(c["writes"] == 1 for c in held)


def test_reconcile_without_a_journal_is_refused_before_anything_is_sent() -> None:
    with kapture_crm.Sandbox() as sandbox, sandbox.client() as client:
        with pytest.raises(kapture_crm.ConfigError, match=r"reconcile=True .* give the journal too"):
            client.add_customers([record("X", "X", "9870000000")], reconcile=True)
        with pytest.raises(TypeError, match="reconcile"):
            client.add_customers([record("X", "X", "9870000000")], journal="j", key="ref", reconcile="yes")  # type: ignore[call-overload]
        assert sandbox.stats()["add_update_requests"] == 0
