"""Step 14: a rule's message comes from the core, the same in every front
end (the CLI, Python, Node); Python only converts the value it was given."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any, Dict

import pytest

import kapture_crm


def problem(error: kapture_crm.ValidationError) -> str:
    return str(error.errors[0]["message"])


def test_a_value_that_is_not_a_row_is_refused_in_the_cores_words() -> None:
    with pytest.raises(kapture_crm.ValidationError) as caught:
        kapture_crm.from_row(5)  # type: ignore[arg-type]
    assert problem(caught.value) == "expected a row: a mapping of column -> value (a dict, a pandas Series, an object), got int"


def test_a_customer_id_of_the_wrong_kind_is_refused_in_the_cores_words(sandbox: kapture_crm.Sandbox) -> None:
    client = sandbox.client()
    with pytest.raises(kapture_crm.ValidationError) as caught:
        client.update_customer(True, {"customer_info": {"city": "Pune"}})  # type: ignore[arg-type]
    assert problem(caught.value) == "expected Kapture's customer id (an integer or a string of digits), got bool"
    with pytest.raises(kapture_crm.ValidationError) as caught:
        client.find_customer(customer_id="12ab")
    assert problem(caught.value) == "expected Kapture's customer id (digits), got \"12ab\""
    assert sandbox.stats()["add_update_requests"] == 0


def test_a_value_nested_too_deep_is_refused_in_the_cores_words() -> None:
    deep: Dict[str, Any] = {}
    node = deep
    for _ in range(80):
        node["x"] = {}
        node = node["x"]
    request = {"customer_info": {"customer_name": "A", "phone": "9845012345", "additional_fields": deep}}
    with pytest.raises(kapture_crm.ValidationError) as caught:
        kapture_crm.validate(request)
    assert problem(caught.value) == "nested deeper than 64 levels (or containing itself); a request is never that deep"


def test_kapture_log_is_read_by_the_core_and_a_bad_value_is_a_warning() -> None:
    env = {k: v for k, v in os.environ.items() if k != "KAPTURE_LOG"}
    trace = subprocess.run(
        [sys.executable, "-W", "error", "-c", "import kapture_crm, logging; print(logging.getLogger('kapture_crm').level)"],
        env={**env, "KAPTURE_LOG": "trace"}, capture_output=True, text=True, timeout=60,
    )
    assert trace.returncode == 0, trace.stderr
    assert trace.stdout.strip() == "10"
    bad = subprocess.run(
        [sys.executable, "-c", "import kapture_crm"], env={**env, "KAPTURE_LOG": "loud"}, capture_output=True, text=True, timeout=60
    )
    assert bad.returncode == 0
    assert 'KAPTURE_LOG must be one of off, error, warn, info, debug, got "loud"; ignored' in bad.stderr
