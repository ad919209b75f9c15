"""What the Python client puts on the wire, and what it gives back."""

from __future__ import annotations

import asyncio
import json
from typing import Any, Dict

import pytest

import kapture_crm
from conftest import TOKEN, Step


def test_vendor_example_goes_out_exactly(scripted: Any, vendor_request: Dict[str, Any], vendor_response_text: str) -> None:
    server = scripted(Step.success())
    reply = server.client().add_customer(vendor_request)

    assert server.count == 1
    sent = server.requests[0]
    assert sent.method == "POST"
    assert sent.path == "/ms/customer/customer/api/v1/add-update"
    assert sent.headers["authorization"] == f"Basic {TOKEN}"
    assert sent.headers["content-type"] == "application/json"
    assert sent.headers["accept"] == "application/json"
    assert sent.headers["user-agent"] == f"kapture-crm/{kapture_crm.__version__}"
    assert sent.json() == vendor_request
    # Every field of the reply, as sent.
    assert reply == json.loads(vendor_response_text)
    assert reply["customer"]["customer_id"] == 191690263


def test_minimal_request_gets_the_documented_shape(scripted: Any, vendor_request: Dict[str, Any]) -> None:
    server = scripted(Step.success())
    server.client().add_customer({"customer_info": {"customer_name": "Asha", "phone": 9380491387}})
    body = server.requests[0].json()
    assert body["customer_info"]["phone"] == "9380491387"  # a spreadsheet number, as its digits
    assert body["customer_info"]["email_id"] == ""
    assert body["customer_info"]["individual"] is False
    assert body["customer_info"]["additional_fields"] == {}
    assert body["enquiry_info"]["subStatus"] == ""
    assert body["contact_info"] == []
    assert set(body["customer_info"]) == set(vendor_request["customer_info"])
    assert kapture_crm.to_wire({"customer_info": {"customer_name": "Asha", "phone": 9380491387}}) == body


def test_extra_reply_fields_are_kept(scripted: Any) -> None:
    server = scripted(Step(200, '{"status":"success","customer":{"customer_id":5,"x":[1,2.5,null]},"trace":"t-1"}'))
    reply = server.client().add_customer({"customer_info": {"customer_name": "A", "email_id": "a@b.co"}})
    assert reply == {"status": "success", "customer": {"customer_id": 5, "x": [1, 2.5, None]}, "trace": "t-1"}


# A success reply with what a tree of serde_json values would change: an
# integer wider than 64 bits, key order, repeated keys, escapes (in a key the
# reader keeps one shared string for, and in one it does not), whitespace.
ODD_SUCCESS = (
    ' \n {"trace":"t-\\u00e9\\ud83d\\ude00 \\"q\\"","status":"Success","big":123456789012345678901234567890,'
    '"neg":-9223372036854775809,"f":0.1,"e":1E2,"z":-0.0,"dup":1,"customer":{"customer_id":5,"contact_id":"7"},'
    '"dup":2,"deep":[[{"a":[null,true,false]}]],"mess\\u0061ge":"m","cl\\u00e9":1}\r\n'
)


def test_a_reply_reads_as_json_loads_reads_it_in_every_path(scripted: Any) -> None:
    # The reply's text is read straight into Python objects (src/reply.rs):
    # as json.loads reads it, but for integers beyond 64 bits, which are
    # floats as the core reads them (and as they were from a parsed tree).
    expected = json.loads(ODD_SUCCESS)
    expected["big"], expected["neg"] = float(expected["big"]), float(expected["neg"])
    assert list(expected)[0] == "trace" and expected["dup"] == 2
    assert expected["message"] == "m" and expected["cl\u00e9"] == 1
    server = scripted(Step(200, ODD_SUCCESS))
    request = {"customer_info": {"customer_name": "A", "email_id": "a@b.co"}}
    client = server.client()
    reply = client.add_customer(request)
    assert reply == expected and list(reply) == list(expected)
    assert type(reply["f"]) is float and type(reply["e"]) is float and str(reply["z"]) == "-0.0"
    assert type(reply["customer"]["customer_id"]) is int and reply["deep"][0][0]["a"][1] is True
    assert client.update_customer(5, request) == expected

    async def in_async() -> Any:
        async with server.async_client() as aclient:
            return await aclient.add_customer(request)

    assert asyncio.run(in_async()) == expected
    results = list(client.add_customers([request] * 3, concurrency=2))
    assert results == [expected] * 3


def test_basic_prefix_not_doubled_and_user_agent(scripted: Any) -> None:
    server = scripted(Step.success())
    client = kapture_crm.Client("Basic abc==", base_url=server.url, user_agent="shop/1")
    client.add_customer({"customer_info": {"customer_name": "A", "email_id": "a@b.co"}})
    assert server.requests[0].headers["authorization"] == "Basic abc=="
    assert server.requests[0].headers["user-agent"].startswith("shop/1 kapture-crm/")


def test_environment_variables(scripted: Any, monkeypatch: Any) -> None:
    server = scripted(Step.success())
    monkeypatch.setenv("KAPTURE_TOKEN", "env-token-1")
    monkeypatch.setenv("KAPTURE_BASE_URL", server.url)
    client = kapture_crm.Client()
    client.add_customer({"customer_info": {"customer_name": "A", "email_id": "a@b.co"}})
    assert server.requests[0].headers["authorization"] == "Basic env-token-1"
    # Explicit arguments win over the environment.
    assert kapture_crm.Client(subdomain="acme").endpoint.startswith("https://acme.kapturecrm.com/")


def test_context_manager_closes(scripted: Any) -> None:
    server = scripted(Step.success())
    with server.client() as client:
        assert not client.closed
    assert client.closed
    try:
        client.add_customer({"customer_info": {"customer_name": "A", "email_id": "a@b.co"}})
    except kapture_crm.KaptureError as e:
        assert "closed" in str(e)
    else:
        raise AssertionError("a closed client sent a request")
    assert server.count == 0


def test_validate_and_to_wire_send_nothing(scripted: Any) -> None:
    kapture_crm.validate({"customer_info": {"customer_name": "A", "phone": "+91 93804 91387"}})
    try:
        kapture_crm.validate({"customer_info": {"customer_name": "A", "phone": "12"}})
    except kapture_crm.ValidationError as e:
        assert e.errors[0]["path"] == "customer_info.phone"
    else:
        raise AssertionError("accepted a 2-digit phone")


def test_username_and_password_make_the_basic_token_and_a_colon_token_is_refused(
    scripted: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 12: a Kapture user's token is base64(user:password)."""
    server = scripted(Step.success(), Step.success())
    client = kapture_crm.Client(username="asha", password="p@ss:word", base_url=server.url)
    client.add_customer({"customer_info": {"customer_name": "A", "email_id": "a@b.co"}})
    assert server.requests[0].headers["authorization"] == "Basic YXNoYTpwQHNzOndvcmQ="
    assert "p@ss" not in repr(client)
    with pytest.raises(kapture_crm.ConfigError, match="username") as caught:
        kapture_crm.Client("asha:secret", base_url=server.url)
    assert "secret" not in str(caught.value)
    with pytest.raises(kapture_crm.ConfigError, match="not both"):
        kapture_crm.Client("tok", username="asha", password="x", base_url=server.url)
    monkeypatch.setenv("KAPTURE_USERNAME", "asha")
    monkeypatch.setenv("KAPTURE_PASSWORD", "p@ss:word")
    kapture_crm.Client(base_url=server.url).add_customer({"customer_info": {"customer_name": "A", "email_id": "a@b.co"}})
    assert server.requests[1].headers["authorization"] == "Basic YXNoYTpwQHNzOndvcmQ="


def test_default_headers_are_sent_and_authorization_is_not_overridable(scripted: Any) -> None:
    server = scripted(Step.success())
    client = kapture_crm.Client(TOKEN, base_url=server.url, default_headers={"x-api-key": "k-123"})
    client.add_customer({"customer_info": {"customer_name": "A", "email_id": "a@b.co"}})
    assert server.requests[0].headers["x-api-key"] == "k-123"
    with pytest.raises(kapture_crm.ConfigError, match="Authorization"):
        kapture_crm.Client(TOKEN, base_url=server.url, default_headers={"Authorization": "Basic other"})
