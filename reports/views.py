"""The report page (/reports/kpi/?from=…&to=…) and its downloads, for supervisors."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from audit.decorators import logs_access
from audit.models import AccessLog
from core import authz, exports
from tsunagari.exports import export_url_name, exports_for

from . import downloads, selectors

SHORTCUT_YEARS = 5  # this fiscal year and the four before it (a report looks back)


def _period(request: HttpRequest) -> tuple[selectors.Period | None, str]:
    start, end = request.GET.get("from"), request.GET.get("to")
    if not start and not end:
        return selectors.current_fiscal_year(), ""
    try:
        return selectors.parse_period(start, end), ""
    except selectors.PeriodError as problem:
        return None, str(problem)


def _shortcuts(period: selectors.Period | None) -> list[dict]:
    this_year = selectors.current_fiscal_year().start.year
    out = []
    for year in range(this_year, this_year - SHORTCUT_YEARS, -1):
        fy = selectors.fiscal_year(year)
        out.append({"period": fy, "label": fy.label, "current": fy == period})
    return out


@login_required
@require_GET
def kpi(request: HttpRequest) -> HttpResponse:
    authz.require(request.user, "reports.view_kpi")
    period, problem = _period(request)
    context = {
        "period": period,
        "problem": problem,
        "shortcuts": _shortcuts(period),
        "start": request.GET.get("from", period.start.isoformat() if period else ""),
        "end": request.GET.get("to", period.end.isoformat() if period else ""),
    }
    if period is None:
        return render(request, "reports/kpi.html", context, status=400)
    numbers = selectors.kpi_numbers(period)
    previous_period = period.year_before()
    previous = selectors.kpi_numbers(previous_period)
    months, series = selectors.monthly(period)
    context.update(
        numbers=numbers,
        previous_period=previous_period,
        groups=selectors.kpi_table(numbers, previous),
        chart=selectors.chart(months, series),
        monthly_rows=list(
            zip(
                [selectors.month_label(m) for m in months],
                zip(*(s.counts for s in series), strict=True) if series else [()] * len(months),
                strict=True,
            )
        ),
        series=series,
        formats=downloads.FORMATS,
    )
    return render(request, "reports/kpi.html", context)


@login_required
@require_GET
@logs_access(AccessLog.Action.EXPORT, "reports.kpi")
def kpi_download(request: HttpRequest) -> HttpResponse:
    authz.require(request.user, "reports.view_kpi")
    period, problem = _period(request)
    fmt = request.GET.get("format", "xlsx")
    if period is None or fmt not in downloads.FORMATS:
        # Nothing to download: the page again with what is wrong (400, nothing served).
        return render(
            request,
            "reports/kpi.html",
            {
                "period": None,
                "problem": problem or _("Choose a download format: XLSX, CSV or JSON."),
                "shortcuts": _shortcuts(period),
                "start": request.GET.get("from", ""),
                "end": request.GET.get("to", ""),
            },
            status=400,
        )
    outside = request.GET.get("outside") == "1"
    numbers = selectors.kpi_numbers(period)
    if outside:
        numbers = selectors.suppressed(numbers)
    stem = f"kpi-{period.start:%Y%m%d}-{period.end:%Y%m%d}"
    if fmt == "json":
        response = HttpResponse(
            downloads.report_json(numbers).encode("utf-8"),
            content_type="application/json; charset=utf-8",
        )
    elif fmt == "csv":
        response = HttpResponse(
            downloads.report_csv(numbers), content_type="text/csv; charset=utf-8"
        )
    else:
        previous = selectors.kpi_numbers(period.year_before())
        if outside:
            # The year before's column leaves the programme too: its small counts are hidden.
            previous = selectors.suppressed(previous)
        response = HttpResponse(
            downloads.report_xlsx(period, numbers, previous), content_type=exports.XLSX_TYPE
        )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="{stem}-{stamp}.{fmt}"'
    return response


@login_required
@require_GET
def downloads_page(request: HttpRequest) -> HttpResponse:
    """Every list she may download (and only those), each as CSV or XLSX, with its period."""
    authz.require(request.user, "reports.view_downloads")
    exports_shown = [
        (export, reverse(export_url_name(export.key))) for export in exports_for(request.user)
    ]
    return render(request, "reports/exports.html", {"exports": exports_shown})
