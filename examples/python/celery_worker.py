"""A Celery worker that adds customers, and never adds one twice.

The client is made once per worker process, on its first task (a prefork
child makes its own after the fork; a client is never shared across one).
The task is step 12's retry recipe: an unknown outcome is settled by looking
the customer up before anything is sent again; failures known not to have
been processed are retried; a refusal is not.

    celery -A celery_worker worker   # from examples/python; CELERY_BROKER_URL, KAPTURE_*

Tested with Celery's in-memory broker and a worker in the test process
(tests/frameworks/python/test_celery_worker.py).
"""

from __future__ import annotations

import os
from typing import Any, Dict, Optional

from celery import Celery
from celery.signals import worker_process_init

import kapture_crm

app = Celery(
    "kapture_customers",
    broker=os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0"),
    backend=os.environ.get("CELERY_RESULT_BACKEND", "redis://127.0.0.1:6379/1"),
)
app.conf.update(task_serializer="json", result_serializer="json", accept_content=["json"])

_client: Optional[kapture_crm.Client] = None


def kapture() -> kapture_crm.Client:
    """This process's client, made on first use (KAPTURE_TOKEN + KAPTURE_SUBDOMAIN)."""
    global _client
    if _client is None:
        _client = kapture_crm.Client()
    return _client


@worker_process_init.connect
def _own_client_per_process(**_: Any) -> None:
    global _client
    _client = None


@app.task(bind=True, max_retries=5, default_retry_delay=2)
def add_customer(self: Any, request: Dict[str, Any]) -> Dict[str, Any]:
    client = kapture()
    try:
        # A plain dict: Celery's result backend stores it as JSON.
        return dict(client.add_customer(request))
    except kapture_crm.OutcomeUnknownError:
        info = request["customer_info"]
        if info.get("phone"):
            found = client.find_customer(phone=info["phone"])
        else:
            found = client.find_customer(email=info["email_id"])
        if found is not None:
            return {"status": "success", "found": found}  # it was processed
        raise self.retry()  # it was not: sending again is safe
    except (kapture_crm.ConnectionError, kapture_crm.TimeoutError, kapture_crm.RateLimitError) as error:
        raise self.retry(exc=error)  # known not processed
