"""Issue 10: flat rows through the core's row mapper, from Python: the
shared row table, pandas DataFrames and numpy scalars, add_customers on
flat records."""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional

import numpy as np
import pandas as pd
import pytest

import kapture_crm

TABLE = Path(__file__).resolve().parents[2] / "tests" / "rows" / "table.json"


def sparse(value: Any) -> Any:
    """The request without the fields left at the vendor's defaults."""
    if isinstance(value, dict):
        kept = {k: s for k, v in value.items() if (s := sparse(v)) is not None}
        return kept or None
    if isinstance(value, list):
        return [sparse(v) or {} for v in value] if value else None
    if value in ("", False, None):
        return None
    return value


CASES: List[Dict[str, Any]] = json.loads(TABLE.read_text())["cases"]
WORKBOOK_CASES: List[Dict[str, Any]] = json.loads(TABLE.read_text())["workbook_cases"]


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_the_shared_row_table(case: Dict[str, Any]) -> None:
    maps_as_the_case_says(case, {header: value for header, value in case["row"]})


def maps_as_the_case_says(case: Dict[str, Any], row: Mapping[str, Any]) -> None:
    """The case's request (less the vendor's defaults), or each of its errors."""
    options = case.get("options", {})
    kwargs = {"columns": options.get("columns"), "date_format": options.get("date_format")}
    if "request" in case:
        assert sparse(kapture_crm.from_row(row, **kwargs)) == case["request"]
    else:
        with pytest.raises(kapture_crm.ValidationError) as caught:
            kapture_crm.from_row(row, **kwargs)
        for wanted in case["errors"]:
            assert any(
                e["path"] == wanted["path"] and wanted["contains"] in e["message"] for e in caught.value.errors
            ), caught.value.errors


def excel_frame() -> pd.DataFrame:
    """As pandas reads an Excel export: phones as text (dtype=str), NaN in
    empty cells, a date column parsed."""
    return pd.DataFrame(
        {
            "Customer Name": ["Asha Rao", "Ravi Kumar\u00a0", "Meena"],
            "Mobile No": ["98450 12345", "9845012346", None],
            "Email": ["asha@example.com ", np.nan, "meena@example.com"],
            "Pincode": pd.array([411001, None, 403001], dtype="Int64"),
            "Individual": np.array([True, False, True]),
            "Date of Birth": pd.to_datetime(["1990-02-28", None, "1985-12-01"]),
        }
    )


def test_a_dataframe_is_taken_directly() -> None:
    with kapture_crm.Sandbox() as sandbox, sandbox.client() as client:
        results = list(client.add_customers(excel_frame()))
        assert [type(r).__name__ for r in results] == ["dict", "dict", "dict"], results
        sent = sorted((c["request"] for c in sandbox.customers()), key=lambda r: r["customer_info"]["customer_name"])
    asha, meena, ravi = (sparse(r) for r in sent)
    assert asha == {
        "customer_info": {
            "customer_name": "Asha Rao",
            "phone": "98450 12345",
            "email_id": "asha@example.com",
            "pincode": "411001",
            "individual": True,
        },
        "contact_info": [
            {"dob": "1990-02-28", "contact_person_phone": "98450 12345", "contact_person_email": "asha@example.com"}
        ],
    }
    # NaN, None, pd.NA and NaT are left out; np.bool_ False is False.
    assert ravi == {"customer_info": {"customer_name": "Ravi Kumar", "phone": "9845012346"}}
    assert meena["contact_info"][0]["contact_person_email"] == "meena@example.com"


def test_records_and_series_map_like_rows() -> None:
    frame = excel_frame()
    records = frame.to_dict("records")
    first: Dict[str, Any] = kapture_crm.from_row(records[0])
    assert first["customer_info"]["pincode"] == "411001"
    # A pandas Series (iterrows) is a row too.
    _, series = next(frame.iterrows())
    assert kapture_crm.from_row(series) == first
    # numpy scalars are what they look like.
    row = {"Name": np.str_("Asha"), "Phone": np.int64(9845012345), "Individual": np.bool_(True)}
    request = kapture_crm.from_row(row)
    assert request["customer_info"]["phone"] == "9845012345"
    assert request["customer_info"]["individual"] is True
    # A datetime for a follow-up keeps its time; a date becomes the vendor's layout.
    row = {"Name": "A", "Phone": "9845012345", "Next Follow Up Date": datetime.datetime(2026, 3, 12, 9, 30)}
    assert kapture_crm.from_row(row)["enquiry_info"]["next_follow_up_date"] == "2026-03-12 09:30:00"
    row = {"Name": "A", "Phone": "9845012345", "DOB": datetime.date(1990, 2, 28)}
    assert kapture_crm.from_row(row)["contact_info"][0]["dob"] == "1990-02-28"


def test_a_phone_read_as_a_float_is_refused_with_the_dtype_hint() -> None:
    frame = pd.DataFrame({"Customer Name": ["Asha"], "Mobile No": [9845012345.0]})
    with kapture_crm.Sandbox() as sandbox, sandbox.client() as client:
        (result,) = list(client.add_customers(frame))
        assert sandbox.stats()["add_update_requests"] == 0
    assert isinstance(result, kapture_crm.ValidationError)
    assert 'dtype={"Mobile No": str}' in str(result), result


def test_add_customers_maps_flat_records_with_columns_and_date_format() -> None:
    records: List[Dict[str, Optional[str]]] = [
        {"Cust": "Asha", "Cell": " 9845012345", "Born": "28/02/1990"},
        {"Cust": "Ravi", "Cell": "9845012346", "Born": "31/02/1990"},
        {"customer_info": {"customer_name": "Vendor shaped", "phone": "9845012347"}},  # type: ignore[dict-item]
    ]
    columns = {"Cust": "customer_name", "Cell": "phone", "Born": "dob"}
    with kapture_crm.Sandbox() as sandbox, sandbox.client() as client:
        results = list(client.add_customers(records, columns=columns, date_format="%d/%m/%Y"))
        names = sorted(c["request"]["customer_info"]["customer_name"] for c in sandbox.customers())
    assert isinstance(results[0], dict) and isinstance(results[2], dict)
    assert isinstance(results[1], kapture_crm.ValidationError)
    assert '"31/02/1990" in column "Born" is not a date of the format %d/%m/%Y' in str(results[1])
    assert names == ["Asha", "Vendor shaped"]


def test_add_customers_async_takes_a_dataframe() -> None:
    import asyncio

    async def main() -> List[Any]:
        with kapture_crm.Sandbox() as sandbox:
            async with sandbox.async_client() as client:
                return [r async for r in client.add_customers(excel_frame())]

    assert [type(r).__name__ for r in asyncio.run(main())] == ["dict", "dict", "dict"]


def test_bad_options_and_rows_are_validation_errors() -> None:
    with pytest.raises(kapture_crm.ValidationError) as caught:
        kapture_crm.from_row({"Name": "A"}, date_format="%d/%q/%Y")
    assert caught.value.errors[0]["path"] == "date_format"
    with pytest.raises(kapture_crm.ValidationError) as caught:
        kapture_crm.from_row({"Name": "A", "Phone": "9845012345"}, columns={"Nmae": "customer_name"})
    assert "no column has that header" in str(caught.value)
    with pytest.raises(kapture_crm.ValidationError):
        kapture_crm.from_row(["not", "a", "row"])  # type: ignore[arg-type]


def test_the_readme_pandas_example_runs(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    root = Path(__file__).resolve().parents[2]
    readme = (root / "README.md").read_text()
    block = readme.split("<!-- pandas-example", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    monkeypatch.chdir(root)
    exec(compile(block, "README.md", "exec"), {})
    printed = capsys.readouterr().out
    assert printed.strip().endswith("9 customers added"), printed


def test_a_column_keeps_the_first_date_format_that_reads_it_across_a_runs_rows(sandbox: kapture_crm.Sandbox) -> None:
    records = [
        {"Name": "A", "Phone": "9845012345", "DOB": "03/04/1990"},
        {"Name": "B", "Phone": "9845012346", "DOB": "25/12/1990"},
    ]
    with sandbox.client() as client:
        outcomes = list(client.add_customers(records, date_format=["%m/%d/%Y", "%d/%m/%Y"]))
    assert isinstance(outcomes[0], dict)
    assert isinstance(outcomes[1], kapture_crm.ValidationError)
    assert "reads only as %d/%m/%Y, but the column's dates read as %m/%d/%Y" in str(outcomes[1])
    assert [c["request"]["contact_info"][0]["dob"] for c in sandbox.customers()] == ["1990-03-04"]


@pytest.mark.parametrize("case", WORKBOOK_CASES, ids=[c["name"] for c in WORKBOOK_CASES])
def test_the_shared_row_tables_workbook_cases(case: Dict[str, Any]) -> None:
    """The same sheet of tests/rows/table.xlsx the core and Node read."""
    row = next(kapture_crm.read_rows(TABLE.parent / "table.xlsx", sheet=case["sheet"], header_row=1))
    assert row.row == 2
    maps_as_the_case_says(case, row)
