"""The retry idioms of task queues never send a customer twice: an unknown
outcome is neither a builtin ConnectionError/TimeoutError/OSError (what
Celery's `autoretry_for` and tenacity's `retry_if_exception_type` retry) nor
an APIError (what code treats as "the CRM refused"). Against a sandbox that
drops 5% of replies after storing the customer, with its merge rule off so
every send that arrives makes a customer."""

from __future__ import annotations

import collections
from typing import Any, Dict, Iterator, List

import pytest

import kapture_crm

pytest.importorskip("celery")
pytest.importorskip("tenacity")

from celery import Celery  # noqa: E402
from celery.contrib.testing.worker import start_worker  # noqa: E402
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_none  # noqa: E402


def request(i: int) -> Dict[str, Any]:
    return {"customer_info": {"customer_name": f"Task {i}", "phone": f"96{i:08d}"}}


@pytest.fixture
def lossy_sandbox() -> Iterator[kapture_crm.Sandbox]:
    with kapture_crm.Sandbox(faults={"drop_after": 0.05, "seed": 12}, merge=False) as sandbox:
        yield sandbox


def duplicates(sandbox: kapture_crm.Sandbox) -> List[str]:
    phones = collections.Counter(c["request"]["customer_info"]["phone"] for c in sandbox.customers())
    return [phone for phone, n in phones.items() if n > 1]


def test_celery_autoretry_for_connection_and_timeout_errors_sends_no_customer_twice(
    lossy_sandbox: kapture_crm.Sandbox,
) -> None:
    app = Celery("kapture_tasks", broker="memory://", backend="cache+memory://")
    app.conf.update(
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        worker_hijack_root_logger=False,
        broker_transport_options={"polling_interval": 0.01},
    )
    client = lossy_sandbox.client(max_retries=0)

    @app.task(bind=True, autoretry_for=(ConnectionError, TimeoutError), max_retries=3, default_retry_delay=0)
    def add_customer(self: Any, body: Dict[str, Any]) -> Any:
        return client.add_customer(body)

    with start_worker(app, pool="threads", concurrency=4, perform_ping_check=False, shutdown_timeout=30):
        results = [add_customer.delay(request(i)) for i in range(500)]
        outcomes = [r.get(timeout=60, propagate=False) for r in results]

    assert duplicates(lossy_sandbox) == []
    assert lossy_sandbox.stats()["add_update_requests"] == 500
    failed = [o for o in outcomes if isinstance(o, BaseException)]
    assert failed, "the sandbox dropped no reply: the test proves nothing"
    # Rebuilt by Celery's JSON result backend from (type, args): every field kept.
    for error in failed:
        assert isinstance(error, kapture_crm.OutcomeUnknownError), repr(error)
        assert error.outcome_unknown and error.code == "connection"
        assert "may or may not have been created" in str(error)


@pytest.mark.parametrize(
    "retried",
    [(ConnectionError, TimeoutError), IOError, OSError],
    ids=["ConnectionError-TimeoutError", "IOError", "OSError"],
)
def test_tenacity_retry_if_exception_type_sends_no_customer_twice(
    lossy_sandbox: kapture_crm.Sandbox, retried: Any
) -> None:
    client = lossy_sandbox.client(max_retries=0)
    unknown = 0
    for i in range(300):
        try:
            for attempt in Retrying(
                retry=retry_if_exception_type(retried), stop=stop_after_attempt(4), wait=wait_none(), reraise=True
            ):
                with attempt:
                    client.add_customer(request(i))
        except kapture_crm.OutcomeUnknownError:
            unknown += 1
    assert unknown > 0
    assert duplicates(lossy_sandbox) == []
    assert lossy_sandbox.stats()["add_update_requests"] == 300


def test_except_api_error_as_the_crm_refused_never_catches_an_unknown_outcome() -> None:
    with kapture_crm.Sandbox(faults={"server_error": 1.0}) as sandbox:
        client = sandbox.client(max_retries=0)
        refused: List[Exception] = []
        with pytest.raises(kapture_crm.OutcomeUnknownError) as unknown:
            try:
                client.add_customer(request(1))
            except kapture_crm.APIError as error:  # "the CRM refused it"
                refused.append(error)
        assert refused == []
        assert unknown.value.code == "server" and unknown.value.status_code == 500


def test_known_failures_keep_the_builtin_classes_so_retrying_them_is_safe() -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    client = kapture_crm.Client("t", base_url=f"http://127.0.0.1:{port}", max_retries=0)
    with pytest.raises(ConnectionError) as refused:  # nothing listens: nothing was sent
        client.add_customer(request(1))
    assert isinstance(refused.value, kapture_crm.ConnectionError)
    assert not refused.value.outcome_unknown
    rebuilt = type(refused.value)(*refused.value.args)
    assert vars(rebuilt) == vars(refused.value) and str(rebuilt) == str(refused.value)


def test_a_bare_exception_retry_is_made_safe_by_the_recipe(lossy_sandbox: kapture_crm.Sandbox) -> None:
    """The README's recipe for `autoretry_for=(Exception,)`-style code: retry
    only what is known not processed; settle the rest with find_customer."""
    client = lossy_sandbox.client(max_retries=0)

    def add_once(body: Dict[str, Any]) -> Any:
        for _ in range(4):
            try:
                return client.add_customer(body)
            except kapture_crm.KaptureError as error:
                if not error.outcome_unknown:
                    continue  # known not processed: safe to send again
                found = client.find_customer(phone=body["customer_info"]["phone"])
                if found is not None:
                    return found
        return None

    for i in range(200):
        add_once(request(i))
    assert duplicates(lossy_sandbox) == []
    assert len(lossy_sandbox.customers()) == 200
