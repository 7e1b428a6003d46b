"""Checks every list-download test makes of an answer: served as an attachment, no-store,
the CSV's BOM, the XLSX opened by openpyxl, the access-log row."""

from __future__ import annotations

import csv
import io
from typing import Any

import openpyxl

from audit.models import AccessLog


def served(answer) -> None:
    assert answer.status_code == 200, answer.status_code
    assert "no-store" in answer["Cache-Control"]
    assert answer["Content-Disposition"].startswith("attachment; ")


def csv_rows(answer) -> list[list[str]]:
    """The rows of a CSV download, which starts with the UTF-8 BOM (Excel reads Japanese)."""
    served(answer)
    body = b"".join(answer.streaming_content)
    assert body.startswith("\ufeff".encode()), body[:10]
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


def xlsx_rows(answer) -> list[list[Any]]:
    served(answer)
    book = openpyxl.load_workbook(io.BytesIO(answer.content), read_only=True)
    return [
        ["" if c is None else c for c in row] for row in book.active.iter_rows(values_only=True)
    ]


def exported_by(user, object_type: str) -> int:
    return AccessLog.objects.filter(user=user, action="export", object_type=object_type).count()
