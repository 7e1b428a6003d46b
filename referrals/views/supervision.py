"""Figures and records for supervisors: referrals by partner kind and status with the median
wait for acceptance, and the third-party provision records (for a disclosure request)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from audit.decorators import logs_access
from audit.models import AccessLog
from cases.selectors import client_get_for
from core import authz, exports
from core.paging import paginate
from core.time import fiscal_year_start, local_date

from .. import selectors
from ..forms import PeriodForm, ProvisionFilterForm
from ..models import Partner, ProvisionRecord, Referral, SharedItem


@login_required
@require_GET
def summary(request: HttpRequest) -> HttpResponse:
    authz.require(request.user, "referrals.view_referral_figures")
    today = local_date(timezone.now())
    form = PeriodForm(request.GET or {"start": fiscal_year_start(today), "end": today})
    valid = form.is_valid()
    start, end = (
        (form.cleaned_data.get("start"), form.cleaned_data.get("end")) if valid else (None, None)
    )
    figures = selectors.referral_summary(start, end) if valid else {"by_kind": {}, "total": 0}
    statuses = Referral.Status.choices
    rows = [
        (
            Partner.Kind(kind).label,
            [figures["by_kind"][kind].get(s, 0) for s, _label in statuses],
            sum(figures["by_kind"][kind].values()),
        )
        for kind in Partner.Kind.values
        if kind in figures["by_kind"]
    ]
    totals = [sum(row[1][i] for row in rows) for i in range(len(statuses))]
    return render(
        request,
        "referrals/summary.html",
        {
            "form": form,
            "statuses": [label for _s, label in statuses],
            "rows": rows,
            "totals": totals,
            "figures": figures,
            "report": selectors.report_numbers(start, end) if valid else None,
        },
        status=200 if valid else 400,
    )


def _provisions(request: HttpRequest):
    authz.require(request.user, "referrals.view_provision_records")
    form = ProvisionFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return form, None, None
    data = form.cleaned_data if form.is_bound else {}
    client = client_get_for(request.user, data["client"]) if data.get("client") else None
    records = selectors.provision_records(
        request.user, client=client, start=data.get("start"), end=data.get("end")
    )
    return form, client, records


@login_required
@require_GET
@logs_access(AccessLog.Action.LIST, ProvisionRecord)
def provision_list(request: HttpRequest) -> HttpResponse:
    form, client, records = _provisions(request)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "referrals/provision_list.html",
        {
            "form": form,
            "client": client,
            "page": paginate(request, records) if records is not None else None,
            "query": query.urlencode(),
        },
        status=200 if records is not None else 400,
    )


@login_required
@require_GET
@logs_access(AccessLog.Action.EXPORT, ProvisionRecord)
def provision_export(request: HttpRequest) -> HttpResponse:
    form, _client, records = _provisions(request)
    if records is None:
        return render(
            request,
            "referrals/provision_list.html",
            {"form": form, "page": None, "query": ""},
            status=400,
        )
    header = [
        _("Provided at"),
        _("Recipient"),
        _("Recipient kind"),
        _("Client number"),
        _("Items shared"),
        _("Basis"),
        _("By"),
        _("Referral"),
        _("Meeting"),
        _("Kept until"),
    ]
    labels = dict(SharedItem.choices)
    rows = (
        [
            r.provided_at,
            r.recipient_name,
            r.get_recipient_kind_display(),
            r.client_id,
            "、".join(str(labels.get(code, code)) for code in r.items),
            r.get_basis_display(),
            str(r.by),
            r.referral_id or "",
            r.meeting_id or "",
            local_date(r.retain_until),
        ]
        for r in records.iterator()
    )
    return exports.csv_response("provision-records", header, rows)
