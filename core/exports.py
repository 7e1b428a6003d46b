"""Downloads of lists and tables: CSV (UTF-8 with a BOM, so Excel opens Japanese text) and
XLSX, with every cell a spreadsheet could read as a formula neutralised.

One way to add a list download: register a `core.registry.ListExport` (its header and its
rows for a user and the list's filters) from the app's `extensions.py`; the one download view
(`tsunagari.exports.list_download`) checks the capability, the format and the filters, logs
the download (AccessLog EXPORT) and answers with `table_response(fmt, stem, header, rows)`.
Every response is no-store (`tsunagari.middleware`). Files that are not lists of records (the
report, the partner directory in its import format) call the writers below directly.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from .time import start_of_day

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


class ExportRefused(ValueError):
    """A download asked with a filter the list cannot apply; the message is for her."""


def choice_labels(choices: Iterable[tuple[str, Any]]) -> dict[str, str]:
    """{code: label} of a TextChoices' `choices`, labels in the request's language."""
    return {code: str(label) for code, label in choices}


# A download covers up to three fiscal years (a yearly report looks two years back).
PERIOD_MAX_DAYS = 3 * 366


def period_param(
    params: Mapping[str, str], *, required: bool = False
) -> tuple[datetime.date | None, datetime.date | None]:
    """The Tokyo days `from` and `to` (ISO, both included) of a download's query string.

    Either may be left out unless `required`; ExportRefused when one is not a day, the period
    ends before it starts or spans more than three years."""
    start, end = (params.get("from") or "").strip(), (params.get("to") or "").strip()
    if not required and not start and not end:
        return None, None
    try:
        first = datetime.date.fromisoformat(start) if start or required else None
        last = datetime.date.fromisoformat(end) if end or required else None
    except ValueError:
        raise ExportRefused(
            _("Give the first and the last day of the period (YYYY-MM-DD).")
        ) from None
    if first is not None and last is not None:
        if first > last:
            raise ExportRefused(_("The period ends before it starts."))
        if (last - first).days > PERIOD_MAX_DAYS:
            raise ExportRefused(_("Choose a period of at most three years."))
    if any(day is not None and day.year < 2000 for day in (first, last)):
        raise ExportRefused(_("Choose a period of at most three years."))
    return first, last


def period_q(field: str, first: datetime.date | None, last: datetime.date | None) -> Q:
    """`field` (a time) within the Tokyo days first..last, both included; None is open."""
    q = Q()
    if first is not None:
        q &= Q(**{f"{field}__gte": start_of_day(first)})
    if last is not None:
        q &= Q(**{f"{field}__lt": start_of_day(last + datetime.timedelta(days=1))})
    return q


def choice_param(params: Mapping[str, str], name: str, values: Iterable[str]) -> str:
    """The code in `params[name]` ("" when absent); ExportRefused when it is not one of
    `values` (a filter the page never offers)."""
    value = (params.get(name) or "").strip()
    if value and value not in set(values):
        raise ExportRefused(_("The filter is not valid."))
    return value


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
