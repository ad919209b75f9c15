"""examples/python/celery_worker.py with Celery's in-memory broker and a
worker in this process: every customer added exactly once although the
sandbox drops a share of replies after storing the customer (its merge rule
off, so a second send would make a second customer)."""

from __future__ import annotations

import collections
from typing import Any, Iterator

import pytest
from celery.contrib.testing.worker import start_worker

import kapture_crm


@pytest.fixture
def lossy_sandbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[kapture_crm.Sandbox]:
    with kapture_crm.Sandbox(faults={"drop_after": 0.2, "unavailable": 0.1, "seed": 3}, merge=False) as sandbox:
        monkeypatch.delenv("KAPTURE_SUBDOMAIN", raising=False)
        monkeypatch.setenv("KAPTURE_BASE_URL", sandbox.url)
        monkeypatch.setenv("KAPTURE_TOKEN", sandbox.token)
        yield sandbox


def test_each_customer_is_added_exactly_once_under_lost_replies(lossy_sandbox: kapture_crm.Sandbox) -> None:
    import celery_worker

    app = celery_worker.app
    app.conf.update(
        broker_url="memory://",
        result_backend="cache+memory://",
        worker_hijack_root_logger=False,
        broker_transport_options={"polling_interval": 0.01},
    )
    celery_worker._client = None
    # The retries' 2 s delay is the example's; here they run at once.
    task: Any = celery_worker.add_customer
    task.default_retry_delay = 0
    phones = [f"97{i:08d}" for i in range(60)]
    with start_worker(app, pool="threads", concurrency=4, perform_ping_check=False, shutdown_timeout=30):
        results = [task.delay({"customer_info": {"customer_name": f"Task {p}", "phone": p}}) for p in phones]
        outcomes = [r.get(timeout=60) for r in results]

    assert all(o["status"] == "success" for o in outcomes), outcomes
    held = collections.Counter(c["request"]["customer_info"]["phone"] for c in lossy_sandbox.customers())
    assert sorted(held) == sorted(phones)
    assert set(held.values()) == {1}, [p for p, n in held.items() if n > 1]
    # The faults happened, and were settled by lookups: the test proves something.
    injected = lossy_sandbox.stats()["faults_injected"]
    assert injected.get("drop_after", 0) > 0 and lossy_sandbox.stats()["lookup_requests"] > 0, injected
