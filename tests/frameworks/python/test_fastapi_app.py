"""examples/python/fastapi_app.py through FastAPI's TestClient (its lifespan
run, so the client is made as in production) against a sandbox."""

from __future__ import annotations

from typing import Iterator

import pytest
from fastapi.testclient import TestClient

import kapture_crm


@pytest.fixture
def sandbox(monkeypatch: pytest.MonkeyPatch) -> Iterator[kapture_crm.Sandbox]:
    with kapture_crm.Sandbox() as sandbox:
        monkeypatch.delenv("KAPTURE_SUBDOMAIN", raising=False)
        monkeypatch.setenv("KAPTURE_BASE_URL", sandbox.url)
        monkeypatch.setenv("KAPTURE_TOKEN", sandbox.token)
        yield sandbox


def test_the_route_adds_the_customer_it_is_sent(sandbox: kapture_crm.Sandbox) -> None:
    import fastapi_app

    with TestClient(fastapi_app.app) as http:
        added = http.post("/customers", json={"customer_info": {"customer_name": "Asha Rao", "phone": "9380491387"}})
        refused = http.post("/customers", json={"customer_info": {"customer_name": "No Phone"}})
    assert added.status_code == 201, added.text
    held = sandbox.customers()
    assert [c["request"]["customer_info"]["phone"] for c in held] == ["9380491387"]
    assert added.json() == {"customer_id": held[0]["customer_id"]}
    assert refused.status_code == 422
    assert refused.json()["detail"]["code"] == "validation"
    assert sandbox.stats()["add_update_requests"] == 1


def test_an_unknown_outcome_is_reported_as_such(sandbox: kapture_crm.Sandbox) -> None:
    import fastapi_app

    sandbox.set_faults({"drop_after": 1.0})
    with TestClient(fastapi_app.app) as http:
        reply = http.post("/customers", json={"customer_info": {"customer_name": "Ravi", "phone": "9845012346"}})
    assert reply.status_code == 502
    assert reply.json()["detail"]["outcome_unknown"] is True
