"""Property tests: random values thrown at validate, add_customer and
add_customers end in a reply or a ValidationError, never a crash, a hang or
a PanicException (issue 9)."""

from __future__ import annotations

import math
from typing import Any, Dict

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kapture_crm

SECTIONS = ["customer_info", "contact_info", "enquiry_info"]
FIELDS = ["customer_name", "phone", "email_id", "city", "individual", "additional_fields", "dob", "remarks"]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**80), max_value=2**80),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=50),
    st.text(min_size=5000, max_size=20000),
    st.binary(max_size=20),
    st.sampled_from(["9380491387", "a@example.com", "+91 98450 12345", "1990-02-28", "\x00\x1b[2J"]),
)
keys = st.one_of(st.sampled_from(SECTIONS + FIELDS), st.text(max_size=10), st.integers(), st.tuples(st.integers()))
values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(keys, children, max_size=5),
        st.tuples(children),
    ),
    max_leaves=30,
)
requests = st.one_of(
    values,
    st.fixed_dictionaries(
        {},
        optional={
            "customer_info": st.one_of(values, st.dictionaries(st.sampled_from(FIELDS), values, max_size=6)),
            "contact_info": st.one_of(values, st.lists(st.dictionaries(st.sampled_from(FIELDS), values), max_size=3)),
            "enquiry_info": values,
        },
    ),
)

PROFILE = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def deep(depth: int) -> Dict[str, Any]:
    value: Dict[str, Any] = {}
    for _ in range(depth):
        value = {"k": value}
    return value


def ends_well(call: Any) -> None:
    try:
        reply = call()
    except kapture_crm.ValidationError as error:
        assert error.errors, "a ValidationError lists its problems"
        for problem in error.errors:
            assert isinstance(problem["path"], str) and problem["message"]
    else:
        if reply is not None:
            assert reply["status"] == "success"


@PROFILE
@given(requests)
def test_validate_ends_in_none_or_a_validation_error(request: Any) -> None:
    ends_well(lambda: kapture_crm.validate(request))


@pytest.fixture(scope="module")
def client() -> Any:
    with kapture_crm.Sandbox() as sandbox:
        yield sandbox.client(timeout=10)


@PROFILE
@given(request=requests)
def test_add_customer_ends_in_a_reply_or_a_validation_error(client: Any, request: Any) -> None:
    ends_well(lambda: client.add_customer(request))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(records=st.lists(requests, max_size=12))
def test_add_customers_gives_one_outcome_per_record(client: Any, records: Any) -> None:
    try:
        outcomes = list(client.add_customers(records, concurrency=4))
    except kapture_crm.ValidationError:
        # Records that all share one header the core refuses: one error,
        # raised before anything is sent.
        assert records and len({frozenset(r) for r in records}) == 1, records
        return
    assert len(outcomes) == len(records)
    for outcome in outcomes:
        # A record with nothing in it (`{}`) is a blank row: nothing sent.
        assert outcome is kapture_crm.BLANK or isinstance(outcome, (dict, kapture_crm.ValidationError)), outcome


@pytest.mark.parametrize("depth", [63, 64, 65, 1000, 50_000])
def test_deep_and_cyclic_values(client: Any, depth: int) -> None:
    request = {"customer_info": {"customer_name": "A", "phone": "9380491387", "additional_fields": deep(depth)}}
    ends_well(lambda: kapture_crm.validate(request))
    ends_well(lambda: client.add_customer(request))
    cycle: Dict[str, Any] = {}
    cycle["self"] = cycle
    with pytest.raises(kapture_crm.ValidationError):
        client.add_customer({"customer_info": {"customer_name": "A", "phone": "9380491387", "additional_fields": cycle}})
    outcomes = list(client.add_customers([request, {"customer_info": cycle}, math.nan]))
    assert len(outcomes) == 3
