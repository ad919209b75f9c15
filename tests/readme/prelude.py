"""The names the READMEs' Python snippets use without defining them, as the
prose around each snippet describes them. Every snippet runs with these in
scope (tests/readme/snippets.py), against the sandbox KAPTURE_BASE_URL
points at."""

from __future__ import annotations

import asyncio
import os
from typing import Any, AsyncIterator, Dict, List

from celery import Celery

import kapture_crm

__all__ = [
    "aclient",
    "app",
    "async_source",
    "asyncio",
    "batch",
    "client",
    "kapture_crm",
    "my_sync_job",
    "records",
    "request",
    "token",
]

token: str = os.environ["KAPTURE_TOKEN"]
client = kapture_crm.Client()
aclient = kapture_crm.AsyncClient()
request: Dict[str, Any] = {"customer_info": {"customer_name": "Asha Rao", "phone": "9380491387"}}
records: List[Dict[str, Any]] = [
    {"customer_info": {"customer_name": f"Customer {i}", "phone": f"98450{10000 + i}"}} for i in range(3)
]
batch = records
app = Celery("readme", broker="memory://", backend="cache+memory://")


async def async_source() -> AsyncIterator[Dict[str, Any]]:
    for record in records:
        yield record


def my_sync_job(client: kapture_crm.Client) -> None:
    client.add_customer(request)
