"""The activities' figures for a period (counts only): the numbers the yearly report takes."""

from __future__ import annotations

import datetime

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from core import authz
from core.time import fiscal_year_start, local_date

from .. import selectors

# The figures in the order of the page, each with its label.
ROWS = (
    ("expert.legal.sessions", _("Legal consultation days held")),
    ("expert.legal.consultations", _("Legal consultations")),
    ("expert.health.sessions", _("Health consultation days held")),
    ("expert.health.consultations", _("Health consultations")),
    ("peer_support.sessions", _("Peer-support sessions held")),
    ("peer_support.participants", _("Participants (sum of attendance)")),
    ("peer_support.distinct_participants", _("Different participants")),
    ("peer_support.first_time_participants", _("First-time participants")),
    ("peer_support.anonymous_participants", _("Of which anonymous")),
)


def _day(value: str | None) -> datetime.date | None:
    try:
        day = datetime.date.fromisoformat(value or "")
    except ValueError:
        return None
    return day if datetime.date(2000, 1, 1) <= day < datetime.date(2100, 1, 1) else None


@login_required
@require_GET
def figures(request: HttpRequest) -> HttpResponse:
    authz.require(request.user, "activities.view_activity_figures")
    start = _day(request.GET.get("from")) or fiscal_year_start(local_date(timezone.now()))
    end = _day(request.GET.get("to")) or datetime.date(start.year + 1, 3, 31)
    if end < start:
        start, end = end, start
    numbers = selectors.report_numbers(start, end)
    return render(
        request,
        "activities/figures.html",
        {
            "rows": [(key, label, numbers[key]) for key, label in ROWS],
            "start": start,
            "end": end,
        },
    )
