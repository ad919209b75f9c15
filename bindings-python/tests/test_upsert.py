"""Step 17 item 2: upsert_customer, sync and async, against the sandbox with
duplicates kept separate (a wrong add would show as a second customer) and
refused (the vendor's "Lead already exists, Customer ID :N" reply)."""

from __future__ import annotations

import asyncio
from typing import Any, Dict

import pytest

import kapture_crm


def asha(city: str, phone: Any = "9380491387") -> Dict[str, Any]:
    return {
        "customer_info": {"customer_name": "Asha Rao", "phone": phone, "email_id": "asha@example.in", "city": city},
        "contact_info": [{"first_name": "Asha", "contact_person_phone": "+91 93804 91387"}],
    }


def test_upsert_adds_then_updates_without_adding_the_contact_again() -> None:
    with kapture_crm.Sandbox(merge=False) as sandbox, sandbox.client() as client:
        first = client.upsert_customer(asha("Pune"))
        # A whole-number phone, as a spreadsheet gives it, finds the same customer.
        second = client.upsert_customer(asha("Goa", phone=9380491387), match="phone")
        third = client.upsert_customer(asha("Delhi"), match="email")
        held = sandbox.customers()
    assert first["action"] == "added" and first["response"]["status"] == "success"
    assert (second["action"], second["customer_id"]) == ("updated", first["customer_id"])
    assert (third["action"], third["customer_id"]) == ("updated", first["customer_id"])
    assert len(held) == 1 and held[0]["writes"] == 3
    assert len(held[0]["contact_ids"]) == 1
    assert held[0]["request"]["customer_info"]["city"] == "Delhi"


def test_a_duplicate_refusal_becomes_an_update_of_the_customer_it_names() -> None:
    with kapture_crm.Sandbox(duplicates="refuse") as sandbox, sandbox.client() as client:
        added = client.add_customer(asha("Pune"))
        with pytest.raises(kapture_crm.APIError) as refused:
            client.add_customer(asha("Goa"))
        assert "Lead already exists" in str(refused.value)
        renamed = asha("Goa")
        renamed["customer_info"]["customer_name"] = "Asha R."
        done = client.upsert_customer(renamed)
        held = sandbox.customers()
    assert (done["action"], done["customer_id"]) == ("updated", added["customer"]["customer_id"])
    assert len(held) == 1 and held[0]["request"]["customer_info"]["customer_name"] == "Asha R."


def test_phone_and_email_finding_two_customers_raises_naming_both() -> None:
    with kapture_crm.Sandbox(merge=False) as sandbox, sandbox.client() as client:
        one = client.add_customer({"customer_info": {"customer_name": "Asha Rao", "phone": "9380491387"}})
        two = client.add_customer({"customer_info": {"customer_name": "Asha Rao", "email_id": "asha@example.in"}})
        sent = sandbox.stats()["add_update_requests"]
        with pytest.raises(kapture_crm.ValidationError) as error:
            client.upsert_customer(asha("Pune"))
        assert sandbox.stats()["add_update_requests"] == sent
    for reply in (one, two):
        assert str(reply["customer"]["customer_id"]) in str(error.value)


def test_async_upsert_and_a_bad_match_key() -> None:
    async def run() -> Dict[str, Any]:
        with kapture_crm.Sandbox(merge=False) as sandbox:
            async with sandbox.async_client() as client:
                await client.upsert_customer(asha("Pune"))
                done = await client.upsert_customer(asha("Goa"))
                return dict(done)

    assert asyncio.run(run())["action"] == "updated"
    with kapture_crm.Sandbox() as sandbox, sandbox.client() as client:
        with pytest.raises(kapture_crm.ConfigError, match="match must be phone or email"):
            client.upsert_customer(asha("Pune"), match="mobile")  # type: ignore[arg-type]
        with pytest.raises(kapture_crm.ConfigError, match="duplicates: expected merge, separate or refuse"):
            kapture_crm.Sandbox(duplicates="twice")  # type: ignore[arg-type]


def test_add_customers_upserts_each_record_and_says_what_it_did() -> None:
    records = [
        {"customer_info": {"customer_name": f"Customer {i}", "phone": f"98450{10000 + i}", "city": "Pune"}}
        for i in range(10)
    ]
    with kapture_crm.Sandbox(merge=False) as sandbox, sandbox.client() as client:
        first = list(client.add_customers(records[:6], upsert="phone"))
        for record in records:
            record["customer_info"]["city"] = "Goa"
        second = list(client.add_customers(records, upsert="phone", concurrency=4))
        held = sandbox.customers()
    assert [o["action"] for o in first if isinstance(o, dict)] == ["added"] * 6
    actions = [o["action"] for o in second if isinstance(o, dict)]
    assert actions == ["updated"] * 6 + ["added"] * 4
    assert len(held) == 10 and all(c["request"]["customer_info"]["city"] == "Goa" for c in held)
    with kapture_crm.Sandbox() as sandbox, sandbox.client() as client:
        with pytest.raises(kapture_crm.ConfigError, match="upsert must be phone or email"):
            client.add_customers(records, upsert="mobile")  # type: ignore[arg-type]
