"""Step 13, case 8: no secret the client holds (token; password,
user:password and its base64; default header values) reaches any Python
output: str, repr, pickle, args, the error's fields, tracebacks, logs.

The sandbox's ``echo_secrets`` fault quotes back every credential it
received in every encoding (raw, JSON-escaped once and twice, URL-encoded,
HTML entities, cut short, a run of 12): the one table of the core's
scrubber tests, here run through the Python front end."""

from __future__ import annotations

import asyncio
import logging
import pickle
import traceback
from typing import Any, Callable, Dict, List

import pytest

import kapture_crm

TOKEN = "Ab3xY+Tk7q9/Mn5pQ=Rs8tU+Wx2yZ/Bc4dE=Gh6iJ+Kl9mN/Op0qR=St1uV+Wx3yZ"
PASSWORD = "Pw7xQ+Lm3nB/Zk8sT=Yh2uR"
BASIC = "b3BzOlB3N3hRK0xtM25CL1prOHNUPVloMnVS"  # base64("ops:" + PASSWORD)
HEADER = "Hv9aB+Cd2eF/Gh5iJ=Kl8mN+Op1qR"

# Five-character pieces: any run of 12 characters of a secret holds one.
PIECES = [p for s in (TOKEN, PASSWORD, HEADER) for p in s.replace("/", "+").replace("=", "+").split("+")] + [
    BASIC[i : i + 6] for i in range(0, len(BASIC) - 5, 6)
]

REQUEST = {"customer_info": {"customer_name": "Asha", "phone": "9845012345"}}


def assert_clean(what: str, text: str) -> None:
    for piece in PIECES:
        assert piece not in text, f"{what}: {piece!r} leaked in {text!r}"


def shown(error: BaseException) -> Dict[str, str]:
    """Every way a program or a task queue may show or ship an error."""
    return {
        "str": str(error),
        "repr": repr(error),
        "args": repr(error.args),
        "fields": repr(vars(error)),
        "pickle": pickle.dumps(error).decode("latin-1"),
        "traceback": "".join(traceback.format_exception(error)),
    }


@pytest.mark.parametrize("mode", ["token", "password"])
def test_no_secret_reaches_any_python_output(mode: str, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="kapture_crm")
    with kapture_crm.Sandbox({"echo_secrets": 1.0}, token=TOKEN if mode == "token" else BASIC) as sandbox:
        settings: Dict[str, Any] = {"base_url": sandbox.url, "default_headers": {"x-api-key": HEADER}, "max_retries": 0}
        if mode == "token":
            client = kapture_crm.Client(TOKEN, **settings)
        else:
            client = kapture_crm.Client(username="ops", password=PASSWORD, **settings)
        outputs: Dict[str, str] = {"client repr": repr(client), "client str": str(client)}
        calls: List[Callable[[], Any]] = [
            lambda: client.add_customer(REQUEST),
            lambda: client.find_customer(phone="9845012345"),
            lambda: client.update_customer("12345", {"customer_info": {"city": "Pune"}}),
        ]
        for n, call in enumerate(calls):
            with pytest.raises(kapture_crm.KaptureError) as caught:
                call()
            outputs.update({f"call {n} {k}": v for k, v in shown(caught.value).items()})
        for n, outcome in enumerate(client.add_customers([REQUEST, REQUEST], concurrency=2)):
            assert isinstance(outcome, kapture_crm.KaptureError)
            outputs.update({f"bulk {n} {k}": v for k, v in shown(outcome).items()})

        async def async_calls() -> None:
            async with kapture_crm.AsyncClient(TOKEN, **settings) if mode == "token" else kapture_crm.AsyncClient(
                username="ops", password=PASSWORD, **settings
            ) as aclient:
                outputs["async repr"] = repr(aclient)
                with pytest.raises(kapture_crm.KaptureError) as caught:
                    await aclient.add_customer(REQUEST)
                outputs.update({f"async {k}": v for k, v in shown(caught.value).items()})

        asyncio.run(async_calls())
    outputs["logs"] = caplog.text
    for what, text in outputs.items():
        assert_clean(what, text)
    # Not vacuous: the server's echo reached the errors, scrubbed.
    echoed = [what for what, text in outputs.items() if "Rejected credentials" in text]
    assert len(echoed) >= 10, echoed
    assert "[REDACTED]" in outputs["call 0 str"]
