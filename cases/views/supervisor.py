"""Supervisor overview pages: caseload per counselor, the risk board, break-glass openings.

Both show personal data (names of clients, risks), so both record the access. Anyone who is
not a supervisor gets 404: the selectors refuse them.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from audit.decorators import logs_access
from audit.models import AccessLog, BreakGlassAccess
from core import authz, registry
from core.paging import paginate

from ..forms.access import BreakGlassFilterForm
from ..forms.cases import RiskBoardFilterForm
from ..models import Case, RiskFlag
from ..selectors.access import break_glass_accesses_for
from ..selectors.supervisor import (
    attach_case_counselors,
    caseload_by_counselor,
    risk_board_for,
    supervision_cards,
    supervisor_summary,
)

RISK_BOARD_PAGE_SIZE = 100


@require_GET
@login_required
@logs_access(AccessLog.Action.LIST, Case)
def caseload(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    rows = list(caseload_by_counselor(user=request.user, now=now))
    columns = [f for f in registry.supervision_figures if f.per_counselor is not None]
    table = [
        (
            row,
            [(f, getattr(row, f.key), f.link(now, row.pk)) for f in columns],
        )
        for row in rows
    ]
    totals = [sum(getattr(row, f.key) for row in rows) for f in columns]
    summary = supervisor_summary(user=request.user, now=now)
    return render(
        request,
        "cases/supervisor/caseload.html",
        {
            "columns": columns,
            "table": table,
            "totals": totals,
            "rows": rows,
            "summary": summary,
            "cards": supervision_cards(totals=summary, now=now),
        },
    )


@require_GET
@login_required
@logs_access(AccessLog.Action.LIST, RiskFlag)
def risk_board(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    form = RiskBoardFilterForm(request.GET or None)
    kind = form.cleaned_data["kind"] if form.is_bound and form.is_valid() else ""
    flags = risk_board_for(user=request.user, now=now, kind=kind or None)  # 404 unless supervisor
    if form.is_bound and not form.is_valid():
        return render(
            request, "cases/supervisor/risk_board.html", {"form": form, "page": None}, status=400
        )
    page = paginate(request, flags, per_page=RISK_BOARD_PAGE_SIZE)
    page.object_list = list(page.object_list)
    attach_case_counselors(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "cases/supervisor/risk_board.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


@require_GET
@login_required
@logs_access(AccessLog.Action.LIST, BreakGlassAccess)
def break_glass_list(request: HttpRequest) -> HttpResponse:
    """Who opened which record outside her scope, when, why and until when; newest first."""
    authz.require(request.user, "cases.review_break_glass")
    form = BreakGlassFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return render(
            request, "cases/supervisor/break_glass.html", {"form": form, "page": None}, status=400
        )
    data = form.cleaned_data if form.is_bound else {}
    accesses = break_glass_accesses_for(
        request.user,
        by=data.get("user"),
        day_from=data.get("day_from"),
        day_to=data.get("day_to"),
    )
    page = paginate(request, accesses)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "cases/supervisor/break_glass.html",
        {"form": form, "page": page, "query": query.urlencode(), "now": timezone.now()},
    )
