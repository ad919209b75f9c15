"""``read_rows``: a workbook, a CSV and a JSON-lines file read by the core's
reader, each row a mapping with its sheet and row number, taken by
``from_row`` and ``add_customers`` as any flat row."""

from __future__ import annotations

import datetime
import json
from pathlib import Path
from typing import Any, Dict, List

import pytest

import kapture_crm

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
WORKBOOK = EXAMPLES / "customers.xlsx"


def test_a_workbooks_rows_come_with_their_sheet_row_numbers_and_typed_values() -> None:
    rows = list(kapture_crm.read_rows(WORKBOOK))
    assert [r.row for r in rows] == [4, 5, 6, 7, 8, 9, 10, 11, 12, 13]
    assert all(r.sheet == "Customers" for r in rows)
    first = rows[0]
    assert isinstance(first, kapture_crm.Row) and isinstance(first, dict)
    assert first["Full Name"] == "Asha Rao"
    assert first["Mobile Number"] == 9822012345  # a number, its digits exact
    assert first["Pincode"] == 560001
    assert first["Date of Birth"] == datetime.date(1990, 2, 28)
    assert first["Next Follow Up Date"] == datetime.datetime(2026, 12, 10, 9, 30)
    # The spacer row is a row: every value empty.
    assert set(rows[4].values()) == {None}
    error = rows[-1]["Mobile Number"]
    assert isinstance(error, kapture_crm.CellError)
    assert (error.value, error.cell, str(error)) == ("#N/A", "C13", "#N/A")


def test_a_read_row_maps_as_any_flat_row_and_an_error_cell_fails_it_alone() -> None:
    rows = list(kapture_crm.read_rows(WORKBOOK))
    request = kapture_crm.from_row(rows[0])
    assert request["customer_info"]["phone"] == "9822012345"
    assert request["customer_info"]["pincode"] == "560001"
    assert request["contact_info"][0]["dob"] == "1990-02-28"
    assert request["enquiry_info"]["next_follow_up_date"] == "2026-12-10 09:30:00"
    with pytest.raises(kapture_crm.ValidationError) as raised:
        kapture_crm.from_row(rows[-1])
    assert raised.value.errors[0]["path"] == "customer_info.phone"
    assert "cell C13 holds the error #N/A" in raised.value.errors[0]["message"]


def test_add_customers_takes_read_rows_as_they_come(sandbox: kapture_crm.Sandbox) -> None:
    with sandbox.client() as client:
        outcomes: List[Any] = list(client.add_customers(kapture_crm.read_rows(WORKBOOK)))
    assert len(outcomes) == 10  # one per row read, in order
    added = [o for o in outcomes if isinstance(o, dict)]
    assert len(added) == 8
    # The spacer row (the sheet's row 8): an outcome of its own, in its place.
    assert outcomes[4] is kapture_crm.BLANK and not outcomes[4]
    phones = sorted(c["request"]["customer_info"]["phone"] for c in sandbox.customers())
    assert phones[0] == "9000012345" and len(phones) == 8
    assert "cell C13" in str(outcomes[-1])


def test_another_sheet_or_header_row_is_chosen_and_a_wrong_one_is_refused_before_any_row() -> None:
    with pytest.raises(kapture_crm.ValidationError, match='no sheet "Leads"; the sheets are "Customers", "Notes"'):
        kapture_crm.read_rows(WORKBOOK, sheet="Leads")
    notes = list(kapture_crm.read_rows(WORKBOOK, sheet=2, header_row=1))
    assert notes[0].sheet == "Notes" and notes[0].row == 2
    assert list(notes[0].values()) == ["Phones are stored as numbers; pincodes too."]
    with pytest.raises(FileNotFoundError):
        kapture_crm.read_rows(EXAMPLES / "missing.xlsx")
    with pytest.raises(kapture_crm.ValidationError, match="sheet and header_row are for workbooks"):
        kapture_crm.read_rows(EXAMPLES / "excel_export.csv", sheet=1)


def test_a_csv_is_read_in_its_dialect_and_a_column_mapped_to_none_is_skipped(tmp_path: Path) -> None:
    rows = list(kapture_crm.read_rows(EXAMPLES / "excel_export.csv"))
    assert rows[0].sheet is None and rows[0].row == 1
    assert rows[0]["Customer Name"] == "Asha Rao"  # BOM, semicolons, CRLF
    assert rows[0]["Pin Code"] == "411001"  # CSV cells are text
    csv = tmp_path / "with_region.csv"
    csv.write_text("S.No,Full Name,Mobile Number,Region\n1,Asha Rao,9822012345,South\n")
    row = next(kapture_crm.read_rows(csv))
    with pytest.raises(kapture_crm.ValidationError, match='column "Region"|Region'):
        kapture_crm.from_row(row)
    request = kapture_crm.from_row(row, columns={"Region": None})
    assert request["customer_info"]["customer_name"] == "Asha Rao"


def test_two_columns_under_one_header_are_refused_not_merged(tmp_path: Path) -> None:
    csv = tmp_path / "twice.csv"
    csv.write_text("Name,Phone,Phone\nAsha,9822012345,9845012346\n")
    with pytest.raises(kapture_crm.ValidationError, match='both headed "Phone"'):
        kapture_crm.read_rows(csv)


def test_json_lines_give_each_lines_object(tmp_path: Path) -> None:
    lines = tmp_path / "requests.jsonl"
    request = {"customer_info": {"customer_name": "Asha", "phone": "9822012345"}}
    lines.write_text(json.dumps(request) + "\n\n" + json.dumps(request) + "\n")
    rows = list(kapture_crm.read_rows(lines))
    assert [r.row for r in rows] == [1, 2]
    assert dict(rows[0]) == request


def test_the_readmes_read_rows_example_runs(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    root = EXAMPLES.parent
    readme = (root / "README.md").read_text()
    block = readme.split("<!-- read-rows-example", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]
    monkeypatch.chdir(root)
    exec(compile(block, "README.md", "exec"), {})
    printed = capsys.readouterr().out
    assert "Customers row 13: " in printed and "cell C13 holds the error #N/A" in printed, printed
    assert printed.strip().endswith("8 customers added"), printed


def test_a_blank_record_is_the_blank_outcome_in_its_place_never_a_validation_error(sandbox: kapture_crm.Sandbox) -> None:
    """From any source: dicts, a DataFrame's NaN row, cells of spaces. Only
    a bulk run says BLANK; from_row of a blank row still refuses it."""
    pd = pytest.importorskip("pandas")
    records = [
        {"Name": "Asha", "Phone": "9845012345"},
        {"Name": None, "Phone": "  "},
        {"Name": "Ravi", "Phone": "9845012346"},
    ]
    frame = pd.DataFrame([{"Name": "Meena", "Phone": "9845012347"}, {"Name": float("nan"), "Phone": None}])
    with sandbox.client() as client:
        outcomes = list(client.add_customers(records))
        framed = list(client.add_customers(frame))
    assert [o is kapture_crm.BLANK for o in outcomes] == [False, True, False]
    assert isinstance(outcomes[0], dict) and isinstance(outcomes[2], dict)
    assert framed[1] is kapture_crm.BLANK
    assert repr(kapture_crm.BLANK) == "kapture_crm.BLANK"
    assert len(sandbox.customers()) == 3
    with pytest.raises(kapture_crm.ValidationError):
        kapture_crm.from_row({"Name": None, "Phone": ""})


def test_a_header_problem_of_a_dataframe_or_read_rows_is_raised_once_before_anything_is_sent(
    sandbox: kapture_crm.Sandbox, tmp_path: Path
) -> None:
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame([{"Name": f"C{i}", "Phone": f"98450123{i:02d}", "Region": "South"} for i in range(20)])
    csv = tmp_path / "region.csv"
    frame.to_csv(csv, index=False)
    with sandbox.client() as client:
        for source in (frame, kapture_crm.read_rows(csv)):
            with pytest.raises(kapture_crm.ValidationError) as raised:
                client.add_customers(source)
            assert [p["path"] for p in raised.value.errors] == ["Region"]
            assert "closest:" in raised.value.errors[0]["message"]
        assert sandbox.stats()["add_update_requests"] == 0
        outcomes = list(client.add_customers(kapture_crm.read_rows(csv), columns={"Region": None}))
    assert all(isinstance(o, dict) for o in outcomes) and len(outcomes) == 20


def test_a_list_of_records_with_the_same_keys_has_its_header_problem_raised_once(sandbox: kapture_crm.Sandbox) -> None:
    records = [{"Name": f"C{i}", "Phone": f"98450123{i:02d}", "Region": "South"} for i in range(5)]
    with sandbox.client() as client:
        with pytest.raises(kapture_crm.ValidationError, match="Region"):
            client.add_customers(records)
        assert sandbox.stats()["add_update_requests"] == 0
        # Records of different keys, or in the vendor's shape, keep one outcome each.
        mixed: List[Any] = [records[0], {"Name": "D", "Phone": "9845012399"}]
        outcomes = list(client.add_customers(mixed))
        assert isinstance(outcomes[0], kapture_crm.ValidationError) and isinstance(outcomes[1], dict)
        vendor = [{"customer_info": {"customer_name": "E", "phone": "9845012398"}}]
        assert isinstance(next(iter(client.add_customers(vendor))), dict)


def test_read_rows_says_where_the_header_was_found() -> None:
    rows = kapture_crm.read_rows(WORKBOOK)
    assert (rows.sheet, rows.header_row, rows.headers[1]) == ("Customers", 3, "Full Name")
