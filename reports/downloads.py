"""The report's downloads, shared by the page and `kpi_report`: JSON (the figures under their
documented keys), CSV (key, label, value, unit) and XLSX (the city's table, the monthly chart's
data and every key)."""

from __future__ import annotations

import json
from typing import Any

from django.utils.translation import gettext as _

from core import exports

from . import selectors
from .selectors import Period

FORMATS = ("json", "csv", "xlsx")


def report_json(numbers: dict[str, Any]) -> str:
    return json.dumps(numbers, ensure_ascii=False, indent=2) + "\n"


def report_csv(numbers: dict[str, Any]) -> bytes:
    rows = selectors.flat_with_labels(numbers)
    return exports.csv_bytes([_("key"), _("figure"), _("value"), _("unit")], rows)


def report_xlsx(period: Period, numbers: dict[str, Any], previous: dict[str, Any]) -> bytes:
    table = []
    for group in selectors.kpi_table(numbers, previous):
        table.append([group.title])
        for line in group.lines:
            table.append(
                [line.row.label, line.value, line.row.unit, line.previous, line.row.definition]
            )
        table.append([])
    months, series = selectors.monthly(period)
    monthly = [
        [selectors.month_label(m), *(s.counts[i] for s in series)] for i, m in enumerate(months)
    ]
    return exports.xlsx_bytes(
        [
            exports.Sheet(
                _("Report"),
                [period.label, _("This period"), _("Unit"), _("The year before"), _("Definition")],
                table,
            ),
            exports.Sheet(_("By month"), [_("Month"), *(s.label for s in series)], monthly),
            exports.Sheet(_("Keys"), [_("key"), _("value")], selectors.flatten(numbers).items()),
        ]
    )
