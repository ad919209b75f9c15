"""Retries through the binding: counted on the wire."""

from __future__ import annotations

import time
from typing import Any

import pytest

import kapture_crm
from conftest import Step

MINIMAL = {"customer_info": {"customer_name": "A", "email_id": "a@b.co"}}


def test_429_then_200_makes_two_requests(scripted: Any) -> None:
    server = scripted(Step(429, "{}", {"Retry-After": "0"}), Step.success())
    reply = server.client().add_customer(MINIMAL)
    assert reply["status"] == "success"
    assert server.count == 2


def test_503_forever_with_two_retries_makes_three_requests(scripted: Any) -> None:
    server = scripted(Step(503, "busy", {"Retry-After": "0"}, content_type="text/plain"))
    with pytest.raises(kapture_crm.ServerError):
        server.client(max_retries=2).add_customer(MINIMAL)
    assert server.count == 3


def test_reset_after_the_request_is_not_retried(scripted: Any) -> None:
    server = scripted(Step(reset=True), Step.success())
    with pytest.raises(kapture_crm.OutcomeUnknownError):
        server.client(max_retries=5).add_customer(MINIMAL)
    assert server.count == 1


def test_500_is_not_retried_unless_asked(scripted: Any) -> None:
    server = scripted(Step(500, "oops", content_type="text/plain"), Step.success())
    with pytest.raises(kapture_crm.OutcomeUnknownError):
        server.client(max_retries=5).add_customer(MINIMAL)
    assert server.count == 1
    again = scripted(Step(500, "oops", content_type="text/plain"), Step.success())
    again.client(retry_unknown_outcome=True).add_customer(MINIMAL)
    assert again.count == 2


def test_retry_after_is_honoured(scripted: Any) -> None:
    server = scripted(Step(429, "{}", {"Retry-After": "1"}), Step.success())
    started = time.monotonic()
    server.client().add_customer(MINIMAL)
    assert time.monotonic() - started >= 1.0
    assert server.count == 2
