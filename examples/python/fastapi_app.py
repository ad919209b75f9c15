"""A FastAPI app that adds customers.

One AsyncClient per process, made when the app starts (its lifespan) from
KAPTURE_TOKEN + KAPTURE_SUBDOMAIN (or KAPTURE_BASE_URL) and closed when it
stops; under gunicorn or `uvicorn --workers N` each worker process makes its
own.

    uvicorn fastapi_app:app          # from examples/python

Tested through FastAPI's TestClient against a sandbox
(tests/frameworks/python/test_fastapi_app.py).
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import Any, AsyncIterator, Dict

from fastapi import FastAPI, HTTPException, Request

import kapture_crm


@asynccontextmanager
async def lifespan(app: FastAPI) -> AsyncIterator[None]:
    async with kapture_crm.AsyncClient() as client:
        app.state.kapture = client
        yield


app = FastAPI(lifespan=lifespan)


@app.post("/customers", status_code=201)
async def add_customer(customer: Dict[str, Any], request: Request) -> Dict[str, Any]:
    client: kapture_crm.AsyncClient = request.app.state.kapture
    try:
        reply = await client.add_customer(customer)
    except kapture_crm.ValidationError as error:
        raise HTTPException(422, {"error": str(error), "code": error.code}) from error
    except kapture_crm.KaptureError as error:
        # outcome_unknown: the customer may exist; the caller must not blindly resend.
        detail = {"error": str(error), "code": error.code, "outcome_unknown": error.outcome_unknown}
        raise HTTPException(502, detail) from error
    return {"customer_id": reply["customer"]["customer_id"]}
