"""A caller's value that changes or misbehaves while it is converted is that
value's ValidationError, in every entry point; never a PanicException (a
BaseException that `except Exception` misses), and a bulk run goes on."""

from __future__ import annotations

from typing import Any, Dict, List

import pytest

import kapture_crm

from conftest import Step


class GrowsItsParent(list):  # type: ignore[type-arg]
    """A list whose iteration adds a key to the dict that holds it."""

    def __init__(self, parent: Dict[str, Any], items: List[Any]) -> None:
        super().__init__(items)
        self.parent = parent

    def __iter__(self) -> Any:
        self.parent[f"added_{len(self.parent)}"] = "x"
        return super().__iter__()


def changing_request() -> Dict[str, Any]:
    request: Dict[str, Any] = {"customer_info": {"customer_name": "Changing", "phone": 9380491387}}
    request["contact_info"] = GrowsItsParent(request, [{"contact_person_name": "A", "contact_person_phone": "9380491387"}])
    return request


@pytest.mark.parametrize("entry", ["validate", "to_wire"])
def test_a_dict_changed_by_its_own_value_while_converted_is_a_validation_error(entry: str) -> None:
    with pytest.raises(kapture_crm.ValidationError) as raised:
        getattr(kapture_crm, entry)(changing_request())
    assert not raised.value.outcome_unknown
    assert "changed while it was being read" in str(raised.value)


def test_add_customer_with_a_value_that_changes_while_converted_sends_nothing(scripted: Any) -> None:
    server = scripted(Step.success())
    with pytest.raises(kapture_crm.ValidationError):
        server.client().add_customer(changing_request())
    assert server.count == 0


def test_a_bulk_run_with_a_record_that_changes_while_converted_goes_on(sandbox: kapture_crm.Sandbox) -> None:
    records = [
        {"customer_info": {"customer_name": f"Bulk {i}", "phone": f"93000000{i:02d}"}} for i in range(6)
    ]
    records[2] = changing_request()
    with sandbox.client() as client:
        outcomes = list(client.add_customers(records, concurrency=2))
    assert len(outcomes) == 6
    assert isinstance(outcomes[2], kapture_crm.ValidationError)
    assert all(o["status"] == "success" for i, o in enumerate(outcomes) if i != 2)
    assert len(sandbox.customers()) == 5


def test_an_int_id_too_long_for_text_is_refused_saying_what_it_was(scripted: Any) -> None:
    server = scripted(Step.success())
    with pytest.raises(kapture_crm.ValidationError) as raised:
        server.client().update_customer(10**5000, {"customer_info": {"customer_name": "A", "phone": "9380491387"}})
    text = str(raised.value)
    assert "unprintable" not in text
    assert "customer_id" in text and "more digits" in text
    assert server.count == 0


class Unprintable:
    def __str__(self) -> str:
        raise RuntimeError("no text for this label")


def test_a_row_key_whose_str_raises_is_refused_not_dropped() -> None:
    with pytest.raises(kapture_crm.ValidationError) as raised:
        kapture_crm.from_row({"name": "A", "phone": "9380491387", Unprintable(): "kept?"})
    assert "column label" in str(raised.value)
