"""Every exception class from a scripted reply; pickling; no token anywhere."""

from __future__ import annotations

import builtins
import datetime
import pickle
from typing import Any, Dict, List

import pytest

import kapture_crm
from conftest import TOKEN, Step, free_port

MINIMAL = {"customer_info": {"customer_name": "A", "email_id": "a@b.co"}}


def error_from(scripted: Any, step: Step, **options: Any) -> kapture_crm.KaptureError:
    server = scripted(step)
    with pytest.raises(kapture_crm.KaptureError) as caught:
        server.client(max_retries=0, **options).add_customer(MINIMAL)
    return caught.value


def assert_no_token(error: BaseException) -> None:
    shown = " ".join([str(error), repr(error), repr(vars(error)), repr(pickle.dumps(error))])
    assert TOKEN not in shown


def test_authentication_error(scripted: Any) -> None:
    e = error_from(scripted, Step(401, '{"message":"Invalid Auth Key","status":"failed"}'))
    assert type(e) is kapture_crm.AuthenticationError
    assert isinstance(e, kapture_crm.APIError)
    assert (e.status_code, e.message, e.code) == (401, "Invalid Auth Key", "authentication")
    assert "Invalid Auth Key" in e.body
    assert not e.outcome_unknown


def test_failed_body_is_api_error(scripted: Any) -> None:
    body = '{"message": "Name, Email Id, and Phone Number required", "status": "failed"}'
    e = error_from(scripted, Step(200, body))
    assert type(e) is kapture_crm.APIError
    assert (e.status_code, e.message, e.body) == (200, "Name, Email Id, and Phone Number required", body)


def test_rate_limit_error(scripted: Any) -> None:
    e = error_from(scripted, Step(429, '{"message":"slow down"}', {"Retry-After": "7"}))
    assert type(e) is kapture_crm.RateLimitError
    assert e.retry_after == 7.0 and e.status_code == 429 and e.code == "rate_limited"


@pytest.mark.parametrize("status,unknown", [(500, True), (502, True), (503, False), (504, True)])
def test_server_error(scripted: Any, status: int, unknown: bool) -> None:
    e = error_from(scripted, Step(status, "upstream trouble", content_type="text/plain"))
    # 503 is a refusal; after 500/502/504 the customer may exist.
    assert type(e) is (kapture_crm.OutcomeUnknownError if unknown else kapture_crm.ServerError)
    assert isinstance(e, kapture_crm.APIError) is not unknown
    assert (e.code, e.status_code, e.outcome_unknown, e.message) == ("server", status, unknown, "upstream trouble")


def test_unexpected_response_error(scripted: Any) -> None:
    page = "<!DOCTYPE html><html><title>Proxy login</title></html>"
    e = error_from(scripted, Step(200, page, content_type="text/html"))
    # A 2xx that is not the API's JSON may sit in front of a created customer.
    assert type(e) is kapture_crm.OutcomeUnknownError and e.code == "unexpected_response"
    assert "<!DOCTYPE html><html><title>Proxy login" in str(e)
    assert e.status_code == 200 and e.body == page and e.outcome_unknown


def test_connection_error_after_sending_is_outcome_unknown(scripted: Any) -> None:
    e = error_from(scripted, Step(reset=True))
    assert type(e) is kapture_crm.OutcomeUnknownError and e.code == "connection"
    assert not isinstance(e, OSError)
    assert e.outcome_unknown and "may or may not have been created" in str(e)


def test_connection_refused_is_outcome_known() -> None:
    client = kapture_crm.Client(TOKEN, base_url=f"http://127.0.0.1:{free_port()}", max_retries=0)
    with pytest.raises(kapture_crm.ConnectionError) as caught:
        client.add_customer(MINIMAL)
    assert not caught.value.outcome_unknown
    assert isinstance(caught.value, builtins.ConnectionError)


def test_timeout_error(scripted: Any) -> None:
    e = error_from(scripted, Step.success(delay=2.0), timeout=0.3)
    assert type(e) is kapture_crm.OutcomeUnknownError and e.code == "timeout"
    assert not isinstance(e, OSError)
    assert e.outcome_unknown


def test_validation_error_lists_every_problem_with_paths(scripted: Any) -> None:
    server = scripted(Step.success())
    request = {
        "customer_info": {"customer_name": "", "email": "a@b.co", "individual": "yes", "phone": 9.38e9},
        "contact_info": [{"contact_person_email": "nope", "dob": datetime.date(1990, 2, 28)}],
    }
    with pytest.raises(kapture_crm.ValidationError) as caught:
        server.client().add_customer(request)
    e = caught.value
    assert isinstance(e, ValueError)
    problems: List[Dict[str, str]] = e.errors
    by_path = {p["path"]: p["message"] for p in problems}
    assert by_path["customer_info.email"] == "unknown field; did you mean `email_id`?"
    assert by_path["customer_info.individual"] == 'expected true or false, got the string "yes"'
    assert by_path["customer_info.phone"].startswith("expected text, got the decimal number")
    assert by_path["customer_info.customer_name"] == "is required and must not be blank"
    assert by_path["contact_info[0].contact_person_email"].startswith("expected an email address")
    assert "pass dates as text" in by_path["contact_info[0].dob"]
    assert len(problems) == 6
    assert server.count == 0


def test_not_a_dict_is_a_validation_error() -> None:
    with pytest.raises(kapture_crm.ValidationError) as caught:
        kapture_crm.validate(["customer_info"])  # type: ignore[arg-type]
    assert "expected a dict" in str(caught.value)


@pytest.mark.parametrize(
    "options,expected",
    [
        ({}, "no target"),
        ({"subdomain": "acme.kapturecrm.com"}, "DNS label"),
        ({"base_url": "http://crm.example.com"}, "loopback"),
        ({"subdomain": "acme", "base_url": "https://x.example.com"}, "not both"),
        ({"subdomain": "acme", "timeout": 0}, "timeout"),
        ({"subdomain": "acme", "max_retries": -1}, "max_retries"),
        ({"subdomain": "acme", "ca_file": "/no/such/file.pem"}, "cannot read"),
    ],
)
def test_config_errors(options: Dict[str, Any], expected: str) -> None:
    with pytest.raises(kapture_crm.ConfigError) as caught:
        kapture_crm.Client(TOKEN, **options)
    assert expected in str(caught.value)
    assert_no_token(caught.value)


def test_missing_token_is_config_error() -> None:
    with pytest.raises(kapture_crm.ConfigError, match="KAPTURE_TOKEN"):
        kapture_crm.Client(subdomain="acme")


def test_control_characters_in_token_are_refused_without_showing_it() -> None:
    with pytest.raises(kapture_crm.ConfigError) as caught:
        kapture_crm.Client("secret-part\n", subdomain="acme")
    assert "control characters" in str(caught.value)
    assert "secret-part" not in str(caught.value)


def every_error(scripted: Any) -> List[kapture_crm.KaptureError]:
    errors = [
        error_from(scripted, Step(401, '{"message":"Invalid Auth Key","status":"failed"}')),
        error_from(scripted, Step(200, '{"message":"no","status":"failed"}')),
        error_from(scripted, Step(429, "{}", {"Retry-After": "3"})),
        error_from(scripted, Step(502, "bad gateway", content_type="text/plain")),
        error_from(scripted, Step(200, "<html>", content_type="text/html")),
        error_from(scripted, Step(reset=True)),
        error_from(scripted, Step.success(delay=1.0), timeout=0.2),
    ]
    for bad in ({"customer_info": {"customer_name": "A", "mobile": "1"}}, None):
        try:
            if bad is None:
                kapture_crm.Client(TOKEN)
            else:
                kapture_crm.validate(bad)
        except kapture_crm.KaptureError as e:
            errors.append(e)
    return errors


def test_every_exception_pickles_with_its_attributes(scripted: Any) -> None:
    errors = every_error(scripted)
    kinds = {type(e).__name__ for e in errors}
    assert kinds == {
        "AuthenticationError", "APIError", "RateLimitError", "OutcomeUnknownError",
        "ValidationError", "ConfigError",
    }
    for error in errors:
        copy = pickle.loads(pickle.dumps(error))
        assert type(copy) is type(error)
        assert str(copy) == str(error)
        assert vars(copy) == vars(error)
        assert copy.code == error.code
        rebuilt = type(error)(*error.args)  # Celery's JSON result backend
        assert vars(rebuilt) == vars(error) and str(rebuilt) == str(error)
    rate_limited = next(e for e in errors if isinstance(e, kapture_crm.RateLimitError))
    assert pickle.loads(pickle.dumps(rate_limited)).retry_after == 3.0


def test_token_in_no_repr_or_message(scripted: Any) -> None:
    server = scripted(Step(400, f'{{"status":"failed","message":"bad key {TOKEN}"}}'))
    client = server.client(max_retries=0)
    assert TOKEN not in repr(client) and TOKEN not in str(client)
    with pytest.raises(kapture_crm.APIError) as caught:
        client.add_customer(MINIMAL)
    assert "[REDACTED]" in caught.value.message
    for error in [caught.value, *every_error(scripted)]:
        assert_no_token(error)
    with kapture_crm.Sandbox(token=TOKEN) as sandbox:
        assert TOKEN not in repr(sandbox) and TOKEN not in repr(sandbox.client())


def test_an_already_exists_refusal_names_its_ids(scripted: Any) -> None:
    """Issue 12: the vendor's "Lead already exists" reply keeps the ids it names."""
    body = (
        '{"message": "Lead already exists, Customer ID :45759542, Enquiry ID :10934634, '
        'Contact ID : 49560612", "status": "failed"}'
    )
    e = error_from(scripted, Step(200, body))
    assert type(e) is kapture_crm.APIError
    assert (e.existing_customer_id, e.existing_contact_id) == (45759542, 49560612)
    again = pickle.loads(pickle.dumps(e))
    assert (again.existing_customer_id, again.existing_contact_id) == (45759542, 49560612)
    other = error_from(scripted, Step(200, '{"message": "Name, Email Id, and Phone Number required", "status": "failed"}'))
    assert isinstance(other, kapture_crm.APIError) and other.existing_customer_id is None
