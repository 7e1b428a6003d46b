"""The cases app's part of the yearly report: consultations by kind and main concern, LINE and
expert consultations, cases opened, closed and open at the end of the period.

Aggregates only (no personal data), read by `reports` through the report-section registry;
not scoped to a user: the report page and command ask `reports.view_kpi` first.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

from django.db.models import Count, Q
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext_lazy as _

from core import registry
from core.figures import UNIT_COUNT
from core.time import TOKYO, start_of_day

from ..models import Case, Consultation


def _bounds(
    start: datetime.date, end: datetime.date
) -> tuple[datetime.datetime, datetime.datetime]:
    return start_of_day(start), start_of_day(end + datetime.timedelta(days=1))


def report_numbers(start: datetime.date, end: datetime.date) -> dict[str, Any]:
    """Two queries: consultations grouped by (kind, main concern), and the case counts."""
    low, high = _bounds(start, end)
    by_kind = dict.fromkeys(Consultation.Kind.values, 0)
    by_concern = dict.fromkeys(Consultation.MainConcern.values, 0)
    grouped = (
        Consultation.objects.filter(started_at__gte=low, started_at__lt=high)
        .order_by()
        .values("kind", "main_concern")
        .annotate(n=Count("pk"))
    )
    for row in grouped:
        by_kind[row["kind"]] = by_kind.get(row["kind"], 0) + row["n"]
        by_concern[row["main_concern"]] = by_concern.get(row["main_concern"], 0) + row["n"]
    cases = Case.objects.aggregate(
        opened=Count("pk", filter=Q(opened_at__gte=low, opened_at__lt=high)),
        closed=Count("pk", filter=Q(closed_at__gte=low, closed_at__lt=high)),
        open_at_end=Count(
            "pk",
            filter=Q(opened_at__lt=high) & (Q(closed_at__isnull=True) | Q(closed_at__gte=high)),
        ),
    )
    return {
        "line": {"consultations": by_kind.get(Consultation.Kind.LINE, 0)},
        "expert": {
            "legal": {"consultations": by_kind.get(Consultation.Kind.LEGAL, 0)},
            "health": {"consultations": by_kind.get(Consultation.Kind.HEALTH, 0)},
        },
        "cases": cases,
        "consultations": {"by_kind": by_kind, "by_main_concern": by_concern},
    }


def report_rows(numbers: Mapping[str, Any]) -> Iterable[registry.ReportRow]:
    yield registry.ReportRow(
        "line.consultations",
        _("LINE consultations"),
        _("Consultations of kind LINE that started in the period (相談件数)."),
        unit=UNIT_COUNT,
    )
    for kind, label in (("legal", _("Legal consultations")), ("health", _("Health consultations"))):
        yield registry.ReportRow(
            f"expert.{kind}.consultations",
            label,
            _("Consultations of this kind that started in the period."),
            unit=UNIT_COUNT,
        )
    yield registry.ReportRow(
        "cases.opened",
        _("Cases opened"),
        _("Continued support (伴走支援) started in the period."),
        unit=UNIT_COUNT,
    )
    yield registry.ReportRow(
        "cases.closed", _("Cases closed"), _("Closures approved in the period."), unit=UNIT_COUNT
    )
    yield registry.ReportRow(
        "cases.open_at_end",
        _("Cases open at the end"),
        _("Opened by the last day of the period and not closed by then."),
        unit=UNIT_COUNT,
    )
    for code, label in Consultation.Kind.choices:
        yield registry.ReportRow(
            f"consultations.by_kind.{code}",
            label,
            _("Consultations of this kind that started in the period."),
            unit=UNIT_COUNT,
        )
    for code, label in Consultation.MainConcern.choices:
        yield registry.ReportRow(
            f"consultations.by_main_concern.{code}",
            label,
            _("Consultations in the period with this main concern (主訴), one per consultation."),
            unit=UNIT_COUNT,
            people=True,
        )


def line_consultations_by_month(start: datetime.date, end: datetime.date) -> dict[str, int]:
    low, high = _bounds(start, end)
    rows = (
        Consultation.objects.filter(
            kind=Consultation.Kind.LINE, started_at__gte=low, started_at__lt=high
        )
        .annotate(month=TruncMonth("started_at", tzinfo=TOKYO))
        .order_by()
        .values("month")
        .annotate(n=Count("pk"))
    )
    return {row["month"].strftime("%Y-%m"): row["n"] for row in rows}
