"""The shipped types: py.typed is installed, and mypy --strict passes on the
example and on typed use of the API (and fails on a wrong use)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import kapture_crm

HERE = Path(__file__).resolve().parent
EXAMPLE = HERE.parents[1] / "examples" / "python" / "add_customer.py"


def mypy(*args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=HERE,
    )


def test_package_ships_py_typed_and_stubs() -> None:
    package = Path(kapture_crm.__file__).parent
    assert (package / "py.typed").exists()
    assert (package / "_native.pyi").exists()


def test_mypy_strict_passes_on_the_package_the_example_and_typed_use() -> None:
    for args in (("-p", "kapture_crm"), (EXAMPLE, HERE / "typed_usage.py")):
        result = mypy(*args)
        assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_catches_a_misspelt_field(tmp_path: Path) -> None:
    wrong = tmp_path / "wrong.py"
    wrong.write_text(
        "from kapture_crm.types import AddCustomerRequest\n"
        "r: AddCustomerRequest = {'customer_info': {'customer_name': 'A', 'email': 'a@b.co'}}\n"
    )
    result = mypy(wrong)
    assert result.returncode != 0
    assert '"email"' in result.stdout


def test_the_typed_dicts_list_exactly_the_fields_of_the_rust_model() -> None:
    """types.py is a hand-kept copy of the model: a field added to the Rust
    model and not here (or left here after removal) fails this test."""
    from kapture_crm import types

    wire = kapture_crm.to_wire(
        {"customer_info": {"customer_name": "A", "phone": "9845012345"}, "contact_info": [{"contact_person_phone": "9845012345"}]}
    )
    assert set(types.AddCustomerRequest.__annotations__) == set(wire)
    for section, typed in (
        ("customer_info", types.CustomerInfo),
        ("enquiry_info", types.EnquiryInfo),
    ):
        assert set(typed.__annotations__) == set(wire[section]), section
    assert set(types.ContactInfo.__annotations__) == set(wire["contact_info"][0])
