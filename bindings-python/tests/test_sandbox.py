"""kapture_crm.Sandbox: a Kapture-compatible server in this process."""

from __future__ import annotations

import json
import urllib.request
from typing import Any, Dict

import pytest

import kapture_crm


def test_sandbox_answers_like_the_vendor(vendor_request: Dict[str, Any]) -> None:
    with kapture_crm.Sandbox(token="my-test-token") as sandbox:
        assert sandbox.url.startswith("http://127.0.0.1:")
        assert sandbox.token == "my-test-token"
        reply = sandbox.client().add_customer(vendor_request)
        assert reply == {
            "status": "success",
            "customer": {"result": True, "customer_id": 100000001, "action": "CUSTOMER",
                         "action_event": "ADD_CUSTOMER", "contact_id": 200000001},
            "message": "Customer Added successfully !Contact Added successfully !",
        }
        [stored] = sandbox.customers()
        assert stored["writes"] == 1 and stored["request"] == vendor_request
        # The same list over HTTP, for tests in any language.
        with urllib.request.urlopen(f"{sandbox.url}/sandbox/customers") as response:
            assert json.load(response) == sandbox.customers()
        sandbox.clear()
        assert sandbox.customers() == []
    with pytest.raises(kapture_crm.ConfigError, match="stopped"):
        sandbox.customers()


def test_faults_from_a_spec_or_a_dict() -> None:
    with kapture_crm.Sandbox("rate_limit=1.0,retry_after=5") as sandbox:
        with pytest.raises(kapture_crm.RateLimitError) as caught:
            sandbox.client(max_retries=0).add_customer({"customer_info": {"customer_name": "A", "email_id": "a@b.co"}})
        assert caught.value.retry_after == 5.0
        sandbox.set_faults({"html": 1.0})
        assert sandbox.faults()["html"] == 1.0
        with pytest.raises(kapture_crm.OutcomeUnknownError):  # a 502 page
            sandbox.client(max_retries=0).add_customer({"customer_info": {"customer_name": "A", "email_id": "a@b.co"}})
        assert sandbox.stats()["faults_injected"] == {"rate_limit": 1, "html": 1}


@pytest.mark.parametrize("faults", ["rate_limit=2", {"rate_limit": 0.7, "html": 0.7}, {"ratelimit": 0.1}, 42])
def test_bad_faults_are_config_errors(faults: Any) -> None:
    with pytest.raises(kapture_crm.ConfigError, match="faults"):
        kapture_crm.Sandbox(faults)
