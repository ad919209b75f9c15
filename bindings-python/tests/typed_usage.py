"""Typed use of the package: checked by mypy --strict in test_types.py, not
run. Each line is something a user writes; a stub that drifts breaks it."""

from __future__ import annotations

import asyncio
from typing import List, Optional, Union

import kapture_crm
from kapture_crm.types import AddCustomerRequest, AddCustomerResponse, ContactInfo, FieldProblem, Found


def typed_calls(client: kapture_crm.Client) -> Optional[int]:
    contact: ContactInfo = {"first_name": "Asha", "matchEmailPhone": True, "contact_person_phone": 9380491387}
    request: AddCustomerRequest = {
        "customer_info": {"customer_name": "Asha", "phone": "9380491387", "individual": True, "type": "lead"},
        "contact_info": [contact],
        "enquiry_info": {"subStatus": "Hot", "additional_fields": {"budget": 5}},
    }
    reply: AddCustomerResponse = client.add_customer(request)
    status: str = reply["status"]
    assert status
    outcomes: List[Union[AddCustomerResponse, kapture_crm.KaptureError, kapture_crm.BlankRow]] = list(
        client.add_customers([request, {"customer_info": {"customer_name": "B", "email_id": "b@x.in"}}], concurrency=4)
    )
    for outcome in outcomes:
        if isinstance(outcome, kapture_crm.KaptureError):
            unknown: bool = outcome.outcome_unknown
            assert isinstance(unknown, bool)
    return reply.get("customer", {}).get("customer_id")


def typed_reconcile(client: kapture_crm.Client) -> List[Optional[int]]:
    """With reconcile=True an outcome may be Found: no reply, an id."""
    ids: List[Optional[int]] = []
    records = [{"ref": "C-1", "customer_info": {"customer_name": "A", "phone": "9000000004"}}]
    for outcome in client.add_customers(records, journal="run.journal", key="ref", reconcile=True):
        if isinstance(outcome, (kapture_crm.KaptureError, kapture_crm.BlankRow)):
            continue
        if "found_by" in outcome:
            found: Found = outcome
            ids.append(found["customer_id"])
    return ids


def typed_errors(error: kapture_crm.KaptureError) -> str:
    if isinstance(error, kapture_crm.ValidationError):
        problems: List[FieldProblem] = error.errors
        return problems[0]["path"]
    if isinstance(error, kapture_crm.RateLimitError):
        wait: Optional[float] = error.retry_after
        return str(wait)
    if isinstance(error, kapture_crm.APIError):
        code: int = error.status_code
        return f"{code} {error.message} {error.body}"
    return error.code


async def typed_async(sandbox: kapture_crm.Sandbox) -> int:
    async with sandbox.async_client(max_retries=3) as client:
        replies = await asyncio.gather(
            client.add_customer({"customer_info": {"customer_name": "A", "phone": "9000000001"}}),
            client.add_customer({"customer_info": {"customer_name": "B", "phone": "9000000002"}}),
        )
        count = 0
        async for _outcome in client.add_customers([{"customer_info": {"customer_name": "C", "phone": "9000000003"}}]):
            count += 1
        return len(replies) + count


def typed_sandbox() -> None:
    with kapture_crm.Sandbox({"rate_limit": 0.1, "seed": 1}, token="t") as sandbox:
        client: kapture_crm.Client = sandbox.client(timeout=5.0)
        assert client.endpoint.startswith(sandbox.url)
        writes = [c["writes"] for c in sandbox.customers()]
        assert all(w == 1 for w in writes)
