"""Regression tests of issue 9 (one outcome per record, whatever happens),
named after its cases."""

from __future__ import annotations

import asyncio
import pickle
from typing import Any, Dict, List

import pytest

import kapture_crm
from kapture_crm import _native
from kapture_crm._errors import BY_CLASS

from conftest import Step


def record(i: int) -> Dict[str, Any]:
    return {"customer_info": {"customer_name": f"Customer {i}", "phone": f"95{i:08d}"}}


def test_case_2_huge_retry_after_header_does_not_break_a_bulk_run(scripted: Any, vendor_response_text: str) -> None:
    server = scripted(Step(200, vendor_response_text, {"Retry-After": "1e20"}))
    with server.client() as client:
        results = list(client.add_customers([record(i) for i in range(20)], concurrency=4))
    assert len(results) == 20
    assert all(isinstance(r, dict) for r in results), results
    assert server.count == 20


def test_case_4_internal_error_class_and_outcome_follow_the_core() -> None:
    error = BY_CLASS["internal"]("boom", code="internal")
    assert isinstance(error, kapture_crm.InternalError)
    unknown = BY_CLASS["outcome_unknown"]("boom", code="internal")
    assert pickle.loads(pickle.dumps(unknown)).outcome_unknown is True
    assert pickle.loads(pickle.dumps(unknown)).code == "internal"


def test_every_core_error_class_has_a_class() -> None:
    assert set(_native.ERROR_CLASSES) == set(BY_CLASS)
    assert set(_native.ERROR_CODES) <= set(BY_CLASS)
    for code, cls in BY_CLASS.items():
        assert cls.code == code
        assert issubclass(cls, kapture_crm.KaptureError)


def test_closed_client_raises_closed_error(sandbox: kapture_crm.Sandbox) -> None:
    client = sandbox.client()
    client.close()
    with pytest.raises(kapture_crm.ClosedError) as raised:
        client.add_customer(record(1))
    assert raised.value.code == "closed"
    assert isinstance(raised.value, kapture_crm.ConfigError)


def _nested(depth: int) -> Dict[str, Any]:
    value: Dict[str, Any] = {}
    for _ in range(depth):
        value = {"k": value}
    return value


@pytest.mark.parametrize("depth", [100, 20_000])
def test_case_10_deep_nesting_is_a_validation_error_not_a_crash(depth: int) -> None:
    request = {"customer_info": {"customer_name": "A", "phone": "9380491387", "additional_fields": _nested(depth)}}
    with pytest.raises(kapture_crm.ValidationError) as raised:
        kapture_crm.validate(request)
    assert raised.value.errors[0]["path"].startswith("customer_info.additional_fields.k.k")
    assert "deeper than 64" in raised.value.errors[0]["message"]


def test_case_10_a_dict_that_contains_itself_is_a_validation_error() -> None:
    cycle: Dict[str, Any] = {"customer_name": "A", "phone": "9380491387"}
    cycle["additional_fields"] = cycle
    with pytest.raises(kapture_crm.ValidationError):
        kapture_crm.validate({"customer_info": cycle})


@pytest.mark.parametrize(
    "options",
    [
        {"concurrency": 0},
        {"concurrency": -5},
        {"concurrency": 2000},
        {"rate": 0},
        {"rate": -5},
        {"rate": float("nan")},
        {"rate": 1e-300},
    ],
)
def test_case_11_bulk_settings_are_refused_as_the_core_refuses_them(options: Dict[str, Any]) -> None:
    with kapture_crm.Sandbox() as sandbox:
        client = sandbox.client()
        with pytest.raises(kapture_crm.ConfigError) as raised:
            client.add_customers([record(1)], **options)
        name = next(iter(options))
        assert str(raised.value).startswith(f"configuration error: {name} must be")


@pytest.mark.parametrize("options", [{"timeout": 0}, {"timeout": 1e300}, {"connect_timeout": -1}, {"max_retries": -1}])
def test_case_11_client_settings_are_the_cores(options: Dict[str, Any]) -> None:
    with pytest.raises(kapture_crm.ConfigError):
        kapture_crm.Client("tok", base_url="http://127.0.0.1:9", **options)


def test_case_11_defaults_come_from_the_core() -> None:
    client = kapture_crm.Client("tok", base_url="http://127.0.0.1:9")
    assert "timeout=30.0, max_retries=2" in repr(client)


def test_case_13_token_near_the_preview_limit_is_scrubbed(scripted: Any) -> None:
    token = "Zm9vOmJhcjEyMzQ1Njc"
    for offset in (1, 8, len(token) - 1):
        html = "<html>" + "x" * (4096 - 6 - offset) + token + " tail</html>"
        server = scripted(Step(502, html, content_type="text/html"))
        with kapture_crm.Client(token, base_url=server.url, max_retries=0) as client:
            with pytest.raises(kapture_crm.OutcomeUnknownError) as raised:
                client.add_customer(record(1))
        shown = f"{raised.value} {raised.value.body} {raised.value!r}"
        assert token[:8] not in shown, offset


def test_case_13_json_escaped_token_is_scrubbed(scripted: Any) -> None:
    token = "ab/cd+ef=="
    echoed = "ab\\/cd\\u002Bef=="
    server = scripted(Step(400, '{"status":"failed","message":"bad key %s","echo":"%s"}' % (echoed, echoed)))
    with kapture_crm.Client(token, base_url=server.url) as client:
        with pytest.raises(kapture_crm.APIError) as raised:
            client.add_customer(record(1))
    shown = f"{raised.value} {raised.value.body} {raised.value.message}"
    assert echoed not in shown and "cd+ef" not in shown
    assert "[REDACTED]" in shown


def test_case_14_control_characters_from_a_server_are_escaped(scripted: Any) -> None:
    server = scripted(Step(502, "\x1b[2J\x1b[HAll 5000 rows added OK\r", content_type="text/plain"))
    with server.client(max_retries=0) as client:
        with pytest.raises(kapture_crm.OutcomeUnknownError) as raised:
            client.add_customer(record(1))
    shown = f"{raised.value} {raised.value.body}"
    assert "\x1b" not in shown and "\r" not in shown
    assert "\\x1b[2J" in shown


def test_every_error_class_is_exported_by_the_package() -> None:
    """Step 14: the classes are listed by hand in _errors.py and __init__.py;
    each class of the core's list is importable from kapture_crm and in its
    __all__ (a class added to the core and _errors.py alone fails here)."""
    for cls in set(BY_CLASS.values()) | {kapture_crm.KaptureError}:
        assert getattr(kapture_crm, cls.__name__) is cls, cls.__name__
        assert cls.__name__ in kapture_crm.__all__, cls.__name__


def test_the_release_build_carries_no_test_hooks() -> None:
    """The hooks (`_native._testing`) exist only in the wheel built with the
    `testing` feature, which the tests under tests/hooks run against."""
    assert not hasattr(_native, "_testing")
    assert not any(name.startswith(("_to_wire", "_hold", "_panic")) for name in dir(_native))
