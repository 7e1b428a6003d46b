"""Downloads of the client, case and consultation lists for supervisors, as CSV or XLSX
(`core.exports`): the figures a supervisor works with in a spreadsheet, without free text
(no summaries, notes, phone numbers or nicknames), each download access-logged."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from audit.decorators import logs_access
from audit.models import AccessLog
from core import authz, exports
from core.choices import Ward
from core.time import local_date

from ..forms.cases import CaseFilterForm
from ..models import Case, Client, Consultation
from ..selectors.cases import caseload_for
from ..selectors.clients import client_list
from ..selectors.exports import consultations_for_export


def _format(request: HttpRequest) -> str | None:
    fmt = request.GET.get("format", exports.CSV)
    return fmt if fmt in exports.FORMATS else None


def _refused(request: HttpRequest, problem: str) -> HttpResponse:
    return render(request, "cases/export_refused.html", {"problem": problem}, status=400)


def _labels(choices) -> dict[str, str]:
    return {code: str(label) for code, label in choices}


@login_required
@require_GET
@logs_access(AccessLog.Action.EXPORT, Client)
def client_export(request: HttpRequest) -> HttpResponse:
    authz.require(request.user, "cases.export_lists")
    fmt = _format(request)
    if fmt is None:
        return _refused(request, _("Choose a download format: CSV or XLSX."))
    ward = request.GET.get("ward", "")
    status = request.GET.get("status", "")
    clients = client_list(
        request.user,
        q=request.GET.get("q", "").strip()[:100],
        ward=ward if ward in Ward.values else "",
        status=status if status in Client.Status.values else "",
    )
    ages, wards, statuses = (
        _labels(Client.AgeBand.choices),
        _labels(Ward.choices),
        _labels(Client.Status.choices),
    )
    header = [
        _("Client number"), _("Age band"), _("Ward"), _("Status"), _("First contact"),
        _("Last contact"), _("Open cases"), _("Risk flag in force"),
    ]  # fmt: skip
    rows = (
        [
            c.pk,
            ages.get(c.age_band, c.age_band),
            wards.get(c.ward, c.ward),
            statuses.get(c.status, c.status),
            local_date(c.first_contact_at),
            local_date(c.last_contact_at) if c.last_contact_at else "",
            c.open_case_count,
            _("yes") if c.has_risk else "",
        ]  # fmt: skip
        for c in clients.iterator(chunk_size=2000)
    )
    return exports.table_response(fmt, "clients", header, rows, title=_("Clients"))


@login_required
@require_GET
@logs_access(AccessLog.Action.EXPORT, Case)
def case_export(request: HttpRequest) -> HttpResponse:
    authz.require(request.user, "cases.export_lists")
    fmt = _format(request)
    form = CaseFilterForm(request.GET or None)
    if fmt is None or (request.GET and not form.is_valid() and form.errors):
        return _refused(request, _("Choose a download format: CSV or XLSX."))
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    cases = caseload_for(
        request.user,
        status=filters.get("status", ""),
        priority=filters.get("priority"),
        mine=filters.get("mine", False),
    ).prefetch_related("counselors")
    statuses, reasons = _labels(Case.Status.choices), _labels(Case.CloseReason.choices)
    header = [
        _("Case number"), _("Client number"), _("Status"), _("Priority"), _("Opened"),
        _("Closed"), _("Reason for closing"), _("Counselors"),
    ]  # fmt: skip
    rows = (
        [
            c.pk,
            c.client_id,
            statuses.get(c.status, c.status),
            c.priority,
            local_date(c.opened_at),
            local_date(c.closed_at) if c.closed_at else "",
            reasons.get(c.close_reason, c.close_reason),
            "、".join(str(u) for u in c.counselors.all()),
        ]  # fmt: skip
        for c in cases.iterator(chunk_size=2000)
    )
    return exports.table_response(fmt, "cases", header, rows, title=_("Cases"))


@login_required
@require_GET
@logs_access(AccessLog.Action.EXPORT, Consultation)
def consultation_export(request: HttpRequest) -> HttpResponse:
    authz.require(request.user, "cases.export_lists")
    fmt = _format(request)
    if fmt is None:
        return _refused(request, _("Choose a download format: CSV or XLSX."))
    try:
        consultations = consultations_for_export(
            request.user, request.GET.get("from", ""), request.GET.get("to", "")
        )
    except ValueError as problem:
        return _refused(request, str(problem))
    kinds, concerns = _labels(Consultation.Kind.choices), _labels(Consultation.MainConcern.choices)
    topics, outcomes = _labels(Consultation.Topic.choices), _labels(Consultation.Outcome.choices)
    header = [
        _("Consultation number"), _("Client number"), _("Case number"), _("Kind"), _("Start"),
        _("End"), _("Minutes"), _("Main concern"), _("Topics"), _("Established"),
        _("Outcomes"), _("Opening"),
    ]  # fmt: skip
    rows = (
        [
            c.pk,
            c.client_id,
            c.case_id or "",
            kinds.get(c.kind, c.kind),
            c.started_at,
            c.ended_at,
            int((c.ended_at - c.started_at).total_seconds() // 60),
            concerns.get(c.main_concern, c.main_concern),
            "、".join(topics.get(t, t) for t in c.topics),
            _("yes") if c.established else _("no"),
            "、".join(outcomes.get(o, o) for o in c.outcomes),
            c.opening_id or "",
        ]  # fmt: skip
        for c in consultations.iterator(chunk_size=2000)
    )
    return exports.table_response(fmt, "consultations", header, rows, title=_("Consultations"))
