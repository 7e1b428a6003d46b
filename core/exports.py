"""Downloads of lists and tables: CSV (UTF-8 with a BOM, so Excel opens Japanese text) and
XLSX, with every cell a spreadsheet could read as a formula neutralised.

One way for every export: a view builds its header and rows and answers with
`table_response(fmt, stem, header, rows)`. The response is no-store like every page, and the
view is decorated with `logs_access(AccessLog.Action.EXPORT, ...)` so each download is logged.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone

CSV = "csv"
XLSX = "xlsx"
FORMATS = (CSV, XLSX)
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# A cell starting with one of these is run as a formula by Excel and LibreOffice (CSV
# injection): "=HYPERLINK(...)" typed as a partner's name must stay text. Tab and CR too.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """The value as a spreadsheet cell: numbers and dates as they are, text with a leading
    apostrophe when it would otherwise be read as a formula, None as an empty cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return value
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value.tzinfo else value
    if isinstance(value, datetime.date):
        return value.isoformat()
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def restored_cell(text: str) -> str:
    """What was typed into a cell `safe_cell` neutralised: an import of our own export."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_STARTS) else text


class _Echo:
    """A file whose write() returns what it is given: csv.writer then yields lines."""

    def write(self, value: str) -> str:
        return value


def _filename(stem: str, fmt: str) -> str:
    return f"{stem}-{timezone.localtime().strftime('%Y%m%d-%H%M')}.{fmt}"


def csv_response(stem: str, header: Sequence[Any], rows: Iterable[Sequence[Any]]):
    """A streamed CSV download: the BOM and header first, then one line per row."""
    writer = csv.writer(_Echo())

    def lines():
        yield "\ufeff" + writer.writerow([safe_cell(h) for h in header])
        for row in rows:
            yield writer.writerow([safe_cell(cell) for cell in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(stem, CSV)}"'
    return response


def csv_bytes(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> bytes:
    """The whole CSV at once (a file to attach or re-import), BOM first, CRLF lines."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([safe_cell(h) for h in header])
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return out.getvalue().encode("utf-8-sig")


@dataclass
class Sheet:
    title: str
    header: Sequence[Any]
    rows: Iterable[Sequence[Any]]


def xlsx_bytes(sheets: Sequence[Sheet]) -> bytes:
    """A workbook of the sheets, written row by row (openpyxl's write-only mode)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    for sheet in sheets:
        ws = book.create_sheet(title=str(sheet.title)[:31])  # Excel's limit on sheet names
        if sheet.header:
            ws.append([safe_cell(h) for h in sheet.header])
        for row in sheet.rows:
            ws.append([safe_cell(cell) for cell in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def xlsx_response(stem: str, sheets: Sequence[Sheet]) -> HttpResponse:
    response = HttpResponse(xlsx_bytes(sheets), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{_filename(stem, XLSX)}"'
    return response


def table_response(
    fmt: str, stem: str, header: Sequence[Any], rows: Iterable[Sequence[Any]], *, title: str = ""
):
    """The list as a CSV or an XLSX download (`fmt` is one of FORMATS)."""
    if fmt == XLSX:
        return xlsx_response(stem, [Sheet(title or stem, header, rows)])
    return csv_response(stem, header, rows)
