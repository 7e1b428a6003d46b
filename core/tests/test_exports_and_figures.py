"""The one export helper (CSV with a BOM, XLSX, formula cells neutralised) and the report's
arithmetic (half-up rounding, dotted keys)."""

from __future__ import annotations

import csv
import datetime
import io
from fractions import Fraction

import openpyxl
import pytest

from core import exports
from core.figures import deep_merge, dig, flatten, ratio, round_half_up, unflatten

HOSTILE = ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "ok", "0-1"]


def test_cells_a_spreadsheet_would_run_are_kept_as_text():
    assert [exports.safe_cell(v) for v in HOSTILE] == [
        "'=HYPERLINK(\"http://x\")", "'+1+1", "'-2+3", "'@SUM(A1)", "'\tx", "ok", "0-1",
    ]  # fmt: skip
    assert exports.safe_cell(-3) == -3 and exports.safe_cell(None) == ""
    assert exports.safe_cell(datetime.date(2022, 4, 1)) == "2022-04-01"
    assert [exports.restored_cell(exports.safe_cell(v)) for v in HOSTILE] == HOSTILE


def test_a_csv_download_has_a_bom_and_neutralised_cells():
    response = exports.csv_response("things", ["名前", "数"], [["=1+1", 3], ["さくら", 4]])
    body = b"".join(response.streaming_content)
    assert body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows == [["名前", "数"], ["'=1+1", "3"], ["さくら", "4"]]
    assert response["Content-Disposition"].startswith('attachment; filename="things-')


def test_an_xlsx_download_holds_numbers_as_numbers_and_formulas_as_text():
    response = exports.table_response(exports.XLSX, "things", ["名前", "数"], [["=1+1", 3]])
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in sheet[2]] == ["'=1+1", 3]
    assert sheet.cell(row=2, column=1).data_type == "s"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Fraction(10295, 1000), 10.3),
        (Fraction(1025, 100), 10.3),  # half goes up, not to the even 10.2
        (Fraction(1024999, 100000), 10.2),
        (Fraction(1081, 105), 10.3),  # the report's 10.295… consultations per opening
        (0, 0.0),
    ],
)
def test_rounding_is_half_up_to_one_decimal(value, expected):
    assert round_half_up(value) == expected


def test_ratios_and_percentages_of_nothing_are_zero():
    assert ratio(1081, 105) == 10.3
    assert ratio(566, 1000, percent=True) == 56.6
    assert ratio(1, 8, percent=True) == 12.5
    assert ratio(5, 0) == 0.0 and ratio(0, 0, percent=True) == 0.0


def test_sections_fill_one_group_but_never_one_key():
    merged = deep_merge(
        {"line": {"follows": 1}}, {"line": {"unfollows": 2}, "cases": {"opened": 3}}
    )
    assert flatten(merged) == {"line.follows": 1, "line.unfollows": 2, "cases.opened": 3}
    assert dig(merged, "line.unfollows") == 2 and dig(merged, "line.nothing", 0) == 0
    assert unflatten(flatten(merged)) == merged
    with pytest.raises(ValueError, match="line.follows"):
        deep_merge(merged, {"line": {"follows": 9}})
