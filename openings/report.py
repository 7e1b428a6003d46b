"""The openings app's part of the yearly report: LINE opening windows held and the per-opening
average of LINE consultations. (Expert days are the activities app's.)"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core import registry
from core.figures import UNIT_COUNT, UNIT_TIMES, dig, ratio

from .models import Channel, Opening
from .selectors import day_bounds


def report_numbers(start: datetime.date, end: datetime.date) -> dict[str, Any]:
    """Windows that started in the period and have started by now (held, not only planned)."""
    low, high = day_bounds(start, end)
    held = Opening.objects.filter(
        channel=Channel.LINE, starts_at__gte=low, starts_at__lt=min(high, timezone.now())
    ).count()
    return {"line": {"opening_days": held}}


def derived(numbers: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "line": {
            "consultations_per_opening_day": ratio(
                dig(numbers, "line.consultations", 0), dig(numbers, "line.opening_days", 0)
            )
        }
    }


def report_rows(numbers: Mapping[str, Any]) -> Iterable[registry.ReportRow]:
    yield registry.ReportRow(
        "line.opening_days",
        _("LINE openings held"),
        _("LINE opening windows held in the period (Wednesdays 14–20, Sundays 10–16)."),
        unit=UNIT_TIMES,
    )
    yield registry.ReportRow(
        "line.consultations_per_opening_day",
        _("LINE consultations per opening"),
        _("LINE consultations divided by the openings held, rounded half up to one decimal."),
        unit=UNIT_COUNT,
    )
