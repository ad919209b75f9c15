"""A request dict in the vendor's exact types is read straight into the
core's typed request (typed.rs); every other goes the untyped way. Both
must say exactly the same thing about every input: the same wire form, or
the same problems at the same paths."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kapture_crm
from kapture_crm._native import _testing  # type: ignore[attr-defined]

VENDOR: Dict[str, Any] = json.loads((Path(__file__).parents[3] / "tests" / "fixtures" / "vendor_request.json").read_text())


def outcome(convert: Any, request: Any) -> Tuple[str, Any]:
    try:
        return ("ok", convert(request))
    except kapture_crm.ValidationError as error:
        problems: List[Tuple[str, str]] = [(p["path"], p["message"]) for p in error.errors]
        return ("invalid", problems)


def same_either_way(request: Any) -> Tuple[str, Any]:
    fast = outcome(kapture_crm.to_wire, request)
    untyped = outcome(_testing.to_wire_untyped, request)
    assert fast == untyped, (request, fast, untyped)
    return fast


def deep(levels: int) -> Dict[str, Any]:
    value: Dict[str, Any] = {"bottom": "x"}
    for _ in range(levels):
        value = {"k": value}
    return value


class Text(str):
    pass


def with_(path: str, value: Any) -> Dict[str, Any]:
    request = copy.deepcopy(VENDOR)
    *parents, last = path.split(".")
    node: Any = request
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    node[last] = value
    return request


CASES = {
    "the vendor's example": VENDOR,
    "a str subclass": with_("customer_info.customer_name", Text("Sashankk")),
    "an int phone (becomes its digits)": with_("customer_info.phone", 9380491387),
    "None for a section (left out)": with_("enquiry_info", None),
    "a tuple of contacts": with_("contact_info", tuple(VENDOR["contact_info"])),
    "a section as a list of its fields": with_("customer_info", ["Sashankk", "9380491387"]),
    "a contact as a list": with_("contact_info", [["A", "9380491387"]]),
    "an unknown key": with_("customer_info.phnoe", "9380491387"),
    "a non-str key": with_("customer_info.additional_fields", {1: "x"}),
    "a lone surrogate": with_("customer_info.remarks", "bad \ud800 text"),
    "a float in free-form fields": with_("customer_info.additional_fields", {"score": 1.5}),
    "NaN for a field (left out)": with_("customer_info.city", float("nan")),
    "a broken rule": with_("customer_info.email_id", "not-an-email"),
    "nesting up to the limit": with_("customer_info.additional_fields", deep(60)),
    "nesting past the limit": with_("customer_info.additional_fields", deep(70)),
    "a bool for text": with_("customer_info.city", True),
    "text for a bool": with_("customer_info.individual", "yes"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_fast_and_untyped_paths_agree(name: str) -> None:
    same_either_way(CASES[name])


def test_a_section_given_as_a_list_is_refused_not_read_by_position() -> None:
    kind, problems = same_either_way(CASES["a section as a list of its fields"])
    assert kind == "invalid"
    assert problems[0][0] == "customer_info"


def test_nesting_past_the_limit_is_named_on_the_fast_path_too() -> None:
    kind, problems = same_either_way(CASES["nesting past the limit"])
    assert kind == "invalid"
    assert problems[0][0].startswith("customer_info.additional_fields.k.k")


texts = st.one_of(st.text(max_size=12), st.sampled_from(["9380491387", "a@example.com", "1990-02-28", "Asha"]))
free_form = st.recursive(
    st.one_of(texts, st.booleans(), st.none(), st.integers(), st.floats()),
    lambda children: st.one_of(st.lists(children, max_size=3), st.dictionaries(st.text(max_size=5), children, max_size=3)),
    max_leaves=10,
)
field_values = st.one_of(texts, texts, texts, st.booleans(), st.none(), st.integers(), free_form)
customer_keys = st.sampled_from(list(VENDOR["customer_info"]) + ["phnoe", "email"])
contact_keys = st.sampled_from(list(VENDOR["contact_info"][0]) + ["mail"])
enquiry_keys = st.sampled_from(list(VENDOR["enquiry_info"]))
mostly_typed = st.fixed_dictionaries(
    {},
    optional={
        "customer_info": st.dictionaries(customer_keys, field_values, max_size=8),
        "contact_info": st.lists(st.dictionaries(contact_keys, field_values, max_size=5), max_size=2),
        "enquiry_info": st.one_of(st.dictionaries(enquiry_keys, field_values, max_size=4), st.none()),
    },
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mostly_typed)
def test_fast_and_untyped_paths_agree_on_random_requests(request: Dict[str, Any]) -> None:
    same_either_way(request)
