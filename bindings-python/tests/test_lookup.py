"""Issue 12: find_customer (Get Customer) against the sandbox, sync and async."""

from __future__ import annotations

import asyncio

import pytest

import kapture_crm


def test_find_customer_by_phone_email_or_id_and_none_for_a_stranger() -> None:
    with kapture_crm.Sandbox() as sandbox, sandbox.client() as client:
        reply = client.add_customer(
            {"customer_info": {"customer_name": "Asha Rao", "phone": "9845012345", "email_id": "asha@example.com"}}
        )
        customer_id = reply["customer"]["customer_id"]
        for found in (
            client.find_customer(phone="9845012345"),
            client.find_customer(email="ASHA@example.com"),
            client.find_customer(customer_id=customer_id),
            client.find_customer(customer_id=str(customer_id)),
        ):
            assert found is not None
            assert found["id"] == customer_id
            assert found["name"] == "Asha Rao"
        assert client.find_customer(phone="9000000000") is None
        stats = sandbox.stats()
        assert stats["add_update_requests"] == 1 and stats["lookup_requests"] == 5


def test_find_customer_validates_before_sending_and_maps_a_bad_key() -> None:
    with kapture_crm.Sandbox() as sandbox, sandbox.client() as client:
        with pytest.raises(kapture_crm.ValidationError):
            client.find_customer()
        with pytest.raises(kapture_crm.ValidationError) as caught:
            client.find_customer(customer_id="12a", phone="12")
        assert [e["path"] for e in caught.value.errors] == ["customer_id", "phone"]
        assert sandbox.stats()["lookup_requests"] == 0
        wrong = kapture_crm.Client("wrong-token", base_url=sandbox.url)
        with pytest.raises(kapture_crm.AuthenticationError):
            wrong.find_customer(phone="9845012345")


def test_find_customer_settles_an_unknown_outcome() -> None:
    """The README's recipe: the add was processed but its reply was lost."""
    with kapture_crm.Sandbox({"drop_after": 1.0}) as sandbox:
        client = sandbox.client(max_retries=0)
        request = {"customer_info": {"customer_name": "Asha", "phone": "9845012345"}}
        with pytest.raises(kapture_crm.OutcomeUnknownError) as caught:
            client.add_customer(request)
        assert caught.value.outcome_unknown
        sandbox.set_faults({})
        found = client.find_customer(phone="9845012345")
        assert found is not None, "the add was processed: do not send it again"
        assert sandbox.customers()[0]["writes"] == 1


def test_the_readme_recipe_does_not_take_another_holder_of_the_phone_for_the_customer() -> None:
    """Step 13, case 4: `find_customer` returns whoever holds the phone; the
    README's comparison of names tells an old customer from the new one."""
    with kapture_crm.Sandbox(merge=False) as sandbox:
        client = sandbox.client(max_retries=0)
        client.add_customer({"customer_info": {"customer_name": "Old Customer", "phone": "9100080000"}})
        sandbox.set_faults({"drop_before": 1.0})
        request = {"customer_info": {"customer_name": "New  Person", "phone": "9100080000"}}
        with pytest.raises(kapture_crm.OutcomeUnknownError):
            client.add_customer(request)
        sandbox.set_faults({})
        info = request["customer_info"]
        found = client.find_customer(phone=info["phone"])
        assert found is not None
        same = " ".join(found.get("name", "").split()).lower() == " ".join(info["customer_name"].split()).lower()
        assert not same, "Old Customer is not the row's customer: the outcome stays unknown"
        assert len(sandbox.customers()) == 1


def test_async_find_customer() -> None:
    async def main() -> None:
        with kapture_crm.Sandbox() as sandbox:
            async with sandbox.async_client() as client:
                await client.add_customer({"customer_info": {"customer_name": "Ravi", "email_id": "ravi@example.com"}})
                found = await client.find_customer(email="ravi@example.com")
                assert found is not None and found["name"] == "Ravi"
                assert await client.find_customer(email="nobody@example.com") is None

    asyncio.run(main())


def test_update_customer_by_id_and_a_sandbox_without_merge() -> None:
    with kapture_crm.Sandbox() as sandbox, sandbox.client() as client:
        reply = client.add_customer({"customer_info": {"customer_name": "Asha", "phone": "9845012345", "city": "Pune"}})
        customer_id = reply["customer"]["customer_id"]
        updated = client.update_customer(customer_id, {"customer_info": {"city": "Goa"}})
        assert updated["customer"]["customer_id"] == customer_id
        stored = sandbox.customers()[0]
        assert (stored["writes"], stored["request"]["customer_info"]["city"]) == (2, "Goa")
        with pytest.raises(kapture_crm.APIError, match="does not exist"):
            client.update_customer("999999999", {"customer_info": {"city": "Goa"}})
        with pytest.raises(kapture_crm.ValidationError):
            client.update_customer("12ab", {"customer_info": {"city": "Goa"}})
        with pytest.raises(kapture_crm.ValidationError):
            client.update_customer(True, {"customer_info": {"city": "Goa"}})  # type: ignore[arg-type]
    with kapture_crm.Sandbox(merge=False) as sandbox, sandbox.client() as client:
        request = {"customer_info": {"customer_name": "Asha", "phone": "9845012345"}}
        client.add_customer(request)
        client.add_customer(request)
        assert len(sandbox.customers()) == 2


def test_the_lookup_takes_the_phone_in_every_form_the_add_takes(sandbox: kapture_crm.Sandbox) -> None:
    """A phone read from a spreadsheet is an int: the add takes it, and so
    must the lookup that settles an unknown outcome (the README's recovery)."""
    with sandbox.client() as client:
        client.add_customer({"customer_info": {"customer_name": "Asha", "phone": 9380491387}})
        found = client.find_customer(phone=9380491387)
        assert found is not None and found == client.find_customer(phone="9380491387")
        with pytest.raises(kapture_crm.ValidationError, match="decimal number"):
            client.find_customer(phone=9380491387.5)
