"""Step 10: the core's log records in Python's logging, KAPTURE_LOG, per-call
options, with_options, and the sandbox as an async context manager."""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
from typing import Any

import pytest

import kapture_crm
from conftest import TOKEN, Step

PHONE = "9845012387"
EMAIL = "asha.rao@example.com"
REQUEST = {"customer_info": {"customer_name": "Asha Rao", "phone": PHONE, "email_id": EMAIL}}


def assert_clean(text: str) -> None:
    for secret in (TOKEN, PHONE, EMAIL, "asha.rao"):
        assert secret not in text, f"{secret} logged:\n{text}"


def test_debug_records_of_a_retried_429_and_nothing_secret(scripted: Any, caplog: pytest.LogCaptureFixture) -> None:
    server = scripted(
        Step(429, f'{{"status":"failed","message":"slow down {PHONE} {EMAIL}"}}', {"Retry-After": "0"}),
        Step.success(),
    )
    with caplog.at_level(logging.DEBUG, logger="kapture_crm"):
        server.client().add_customer(REQUEST)
    records = [r for r in caplog.records if r.name.startswith("kapture_crm")]
    attempts = [r for r in records if r.levelno == logging.DEBUG and r.getMessage().startswith("attempt ")]
    assert [r.name for r in attempts] == ["kapture_crm.http", "kapture_crm.http"]
    assert "attempt 1: POST /ms/customer/customer/api/v1/add-update -> 429" in attempts[0].getMessage()
    assert "-> 200" in attempts[1].getMessage()
    retries = [r for r in records if r.levelno == logging.INFO]
    assert len(retries) == 1 and retries[0].getMessage().startswith("retrying after "), caplog.text
    # The fields are the records' own attributes (logging's `extra`), typed,
    # and the message does not repeat them as text.
    assert retries[0].__dict__["error"] == "rate_limited"
    assert retries[0].__dict__["outcome_unknown"] is False
    first = attempts[0].__dict__
    assert (first["method"], first["attempt"], first["status"]) == ("POST", 1, 429)
    assert first["path"] == "/ms/customer/customer/api/v1/add-update"
    assert isinstance(first["latency_ms"], int)
    assert "latency_ms=" not in attempts[0].getMessage()
    text = "\n".join(r.getMessage() for r in records)
    assert "98******87" in text and "a***@example.com" in text
    assert_clean(text)


def test_an_unknown_outcome_is_a_warning(scripted: Any, caplog: pytest.LogCaptureFixture) -> None:
    server = scripted(Step(reset=True))
    with caplog.at_level(logging.WARNING, logger="kapture_crm"):
        with pytest.raises(kapture_crm.OutcomeUnknownError) as info:
            server.client().add_customer(REQUEST)
    assert info.value.outcome_unknown
    records = [r for r in caplog.records if r.name.startswith("kapture_crm")]
    # At WARNING the attempt (debug) and retry (info) records are not made.
    assert [(r.name, r.levelname) for r in records] == [("kapture_crm.http", "WARNING")], caplog.text
    assert records[0].getMessage().startswith("outcome unknown")
    assert records[0].__dict__["outcome_unknown"] is True
    assert "find_customer" not in records[0].getMessage()
    assert_clean(caplog.text)


def test_the_logger_level_is_read_at_every_call(scripted: Any, caplog: pytest.LogCaptureFixture) -> None:
    server = scripted(Step.success())
    client = server.client()
    with caplog.at_level(logging.WARNING, logger="kapture_crm"):
        client.add_customer(REQUEST)
    assert not [r for r in caplog.records if r.name.startswith("kapture_crm")]
    with caplog.at_level(logging.DEBUG, logger="kapture_crm.http"):
        client.add_customer(REQUEST)
    assert [r.name for r in caplog.records if r.name.startswith("kapture_crm")] == ["kapture_crm.http"]


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_a_level_changed_anywhere_between_calls_is_seen_at_the_next_call(scripted: Any) -> None:
    # The levels are re-read only when logging empties its level cache
    # (src/log.rs): every way of changing a level must do that.
    import logging.config

    server = scripted(*[Step.success() for _ in range(5)])
    client = server.client()
    top, http = logging.getLogger("kapture_crm"), logging.getLogger("kapture_crm.http")
    saved = [(lg, lg.level, lg.propagate) for lg in (top, http)]
    collect = Collect()
    top.addHandler(collect)
    top.propagate = False
    try:
        top.setLevel(logging.WARNING)
        client.add_customer(REQUEST)
        client.add_customer(REQUEST)
        assert collect.records == []
        # The parent's level, through dictConfig (which also replaces the
        # logger's handlers).
        logging.config.dictConfig(
            {"version": 1, "disable_existing_loggers": False, "loggers": {"kapture_crm": {"level": "DEBUG"}}}
        )
        top.addHandler(collect)
        client.add_customer(REQUEST)
        assert [r.name for r in collect.records] == ["kapture_crm.http"]
        # The mark left in logging's cache does not disturb logging.
        assert http.isEnabledFor(logging.DEBUG) and http.isEnabledFor(logging.INFO)
        top.setLevel(logging.WARNING)
        client.add_customer(REQUEST)
        client.add_customer(REQUEST)
        assert [r.name for r in collect.records] == ["kapture_crm.http"]
        assert not http.isEnabledFor(logging.INFO)
    finally:
        top.removeHandler(collect)
        for lg, level, propagate in saved:
            lg.setLevel(level)
            lg.propagate = propagate


def test_the_package_is_silent_by_default_and_kapture_log_prints_to_stderr(sandbox: kapture_crm.Sandbox) -> None:
    script = (
        "import kapture_crm\n"
        f"c = kapture_crm.Client({sandbox.token!r}, base_url={sandbox.url!r})\n"
        f"c.add_customer({REQUEST!r})\n"
        f"c.find_customer(phone={PHONE!r})\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("KAPTURE_")}
    quiet = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stderr == "" and quiet.stdout == ""
    loud = subprocess.run(
        [sys.executable, "-c", script], env={**env, "KAPTURE_LOG": "debug"}, capture_output=True, text=True, timeout=60
    )
    assert loud.returncode == 0, loud.stderr
    assert "DEBUG kapture_crm.http: attempt 1: POST /ms/customer/customer/api/v1/add-update -> 200" in loud.stderr
    assert "DEBUG kapture_crm.lookup: lookup by phone 98******87: found customer" in loud.stderr
    assert sandbox.token not in loud.stderr and PHONE not in loud.stderr and EMAIL not in loud.stderr
    bad = subprocess.run(
        [sys.executable, "-c", "import kapture_crm"], env={**env, "KAPTURE_LOG": "loud"}, capture_output=True, text=True
    )
    assert "KAPTURE_LOG must be one of off, error, warn, info, debug" in bad.stderr


def test_per_call_timeout_and_max_retries_override_the_client(scripted: Any) -> None:
    slow = scripted(Step.success(delay=0.6))
    client = slow.client(max_retries=0)
    with pytest.raises(kapture_crm.OutcomeUnknownError) as info:
        client.add_customer(REQUEST, timeout=0.1)
    assert info.value.outcome_unknown
    assert client.add_customer(REQUEST)["status"] == "success"  # the client's 30 s still holds

    busy = scripted(Step(429, "{}", {"Retry-After": "0"}))
    client = busy.client(max_retries=0)
    with pytest.raises(kapture_crm.RateLimitError):
        client.add_customer(REQUEST, max_retries=3)
    assert busy.count == 4
    with pytest.raises(kapture_crm.RateLimitError):
        client.find_customer(phone=PHONE, max_retries=1)
    assert busy.count == 6
    with pytest.raises(kapture_crm.RateLimitError):
        client.update_customer(7, REQUEST, max_retries=2)
    assert busy.count == 9
    assert busy.requests[-1].json()["customer_info"]["customer_id"] == "7"
    with pytest.raises(kapture_crm.ConfigError, match="timeout must be a positive number of seconds"):
        client.add_customer(REQUEST, timeout=-1)
    with pytest.raises(kapture_crm.ConfigError, match="max_retries must be a whole number"):
        client.update_customer(7, REQUEST, max_retries=1.5)  # type: ignore[arg-type]
    assert busy.count == 9, "a bad option sends nothing"


def test_with_options_overrides_and_shares_the_client(scripted: Any) -> None:
    busy = scripted(Step(429, "{}", {"Retry-After": "0"}))
    client = busy.client(max_retries=0)
    patient = client.with_options(max_retries=2, timeout=5)
    assert isinstance(patient, kapture_crm.Client)
    assert "timeout=5.0, max_retries=2" in repr(patient)
    assert "max_retries=0" in repr(client)
    with pytest.raises(kapture_crm.RateLimitError):
        patient.add_customer(REQUEST)
    assert busy.count == 3
    with pytest.raises(kapture_crm.RateLimitError):
        client.add_customer(REQUEST)
    assert busy.count == 4


def test_async_per_call_options_and_async_with_sandbox(scripted: Any) -> None:
    slow = scripted(Step.success(delay=0.6))

    async def main() -> None:
        async with kapture_crm.Sandbox() as sandbox:
            async with sandbox.async_client() as client:
                reply = await client.add_customer(REQUEST, timeout=5, max_retries=0)
                assert reply["status"] == "success"
                found = await client.find_customer(phone=PHONE, timeout=5)
                assert found is not None
            faster = slow.async_client(max_retries=0).with_options(timeout=0.1)
            assert isinstance(faster, kapture_crm.AsyncClient)
            with pytest.raises(kapture_crm.OutcomeUnknownError):
                await faster.add_customer(REQUEST)
        with pytest.raises(kapture_crm.KaptureError):
            sandbox.client(max_retries=0).add_customer(REQUEST)  # stopped on leaving the block

    asyncio.run(main())
