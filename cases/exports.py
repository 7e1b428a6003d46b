"""The client, case and consultation lists as downloads (`core.registry.ListExport`, served by
the one download view): the figures a supervisor works with in a spreadsheet, without free
text (no summaries, notes, phone numbers or nicknames)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import exports, registry
from core.choices import Ward
from core.time import local_date

from .forms.cases import CaseFilterForm
from .models import Case, Client, Consultation
from .selectors.access import consultations_visible_to
from .selectors.cases import caseload_for
from .selectors.clients import client_list

CHUNK = 2000


def client_header() -> list[str]:
    return [
        _("Client number"), _("Age band"), _("Ward"), _("Status"), _("First contact"),
        _("Last contact"), _("Open cases"), _("Risk flag in force"),
    ]  # fmt: skip


def client_rows(user: Any, params: Mapping[str, str]) -> Iterator[list[Any]]:
    """The client list with its search and filters (the list page's `q`, `ward`, `status`)."""
    ward = params.get("ward", "")
    status = params.get("status", "")
    clients = client_list(
        user,
        q=params.get("q", "").strip()[:100],
        ward=ward if ward in Ward.values else "",
        status=status if status in Client.Status.values else "",
    )
    ages = exports.choice_labels(Client.AgeBand.choices)
    wards = exports.choice_labels(Ward.choices)
    statuses = exports.choice_labels(Client.Status.choices)
    return (
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
        for c in clients.iterator(chunk_size=CHUNK)
    )


def case_header() -> list[str]:
    return [
        _("Case number"), _("Client number"), _("Status"), _("Priority"), _("Opened"),
        _("Closed"), _("Reason for closing"), _("Counselors"),
    ]  # fmt: skip


def case_rows(user: Any, params: Mapping[str, str]) -> Iterator[list[Any]]:
    """The caseload with the case list's filters (status, priority, mine)."""
    form = CaseFilterForm({k: v for k, v in params.items() if k != "format"} or None)
    if form.is_bound and not form.is_valid():
        raise exports.ExportRefused(_("The filter is not valid."))
    filters = form.cleaned_data if form.is_bound else {}
    cases = caseload_for(
        user,
        status=filters.get("status", ""),
        priority=filters.get("priority"),
        mine=filters.get("mine", False),
    ).prefetch_related("counselors")
    statuses = exports.choice_labels(Case.Status.choices)
    reasons = exports.choice_labels(Case.CloseReason.choices)
    return (
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
        for c in cases.iterator(chunk_size=CHUNK)
    )


def consultation_header() -> list[str]:
    return [
        _("Consultation number"), _("Client number"), _("Case number"), _("Kind"), _("Start"),
        _("End"), _("Minutes"), _("Main concern"), _("Topics"), _("Established"),
        _("Outcomes"), _("Opening"),
    ]  # fmt: skip


def consultation_rows(user: Any, params: Mapping[str, str]) -> Iterator[list[Any]]:
    """Her visible consultations that started in the period (`from`, `to`: required)."""
    first, last = exports.period_param(params, required=True)
    consultations = (
        consultations_visible_to(user)
        .filter(exports.period_q("started_at", first, last))
        .order_by("started_at", "pk")
    )
    kinds = exports.choice_labels(Consultation.Kind.choices)
    concerns = exports.choice_labels(Consultation.MainConcern.choices)
    topics = exports.choice_labels(Consultation.Topic.choices)
    outcomes = exports.choice_labels(Consultation.Outcome.choices)
    return (
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
        for c in consultations.iterator(chunk_size=CHUNK)
    )


for export in (
    registry.ListExport(
        key="cases.clients",
        label=gettext_lazy("Clients"),
        capability="cases.export_lists",
        model="cases.client",
        header=client_header,
        rows=client_rows,
        stem="clients",
        list_url_name="cases:client_list",
        description=gettext_lazy(
            "Client number, age band, ward, status, first and last contact, open cases, "
            "whether a risk flag is in force. No nickname, phone number or notes."
        ),
        order=10,
    ),
    registry.ListExport(
        key="cases.cases",
        label=gettext_lazy("Cases"),
        capability="cases.export_lists",
        model="cases.case",
        header=case_header,
        rows=case_rows,
        stem="cases",
        list_url_name="cases:case_list",
        description=gettext_lazy(
            "Case and client numbers, status, priority, opening and closing, counselors."
        ),
        order=11,
    ),
    registry.ListExport(
        key="cases.consultations",
        label=gettext_lazy("Consultations"),
        capability="cases.export_lists",
        model="cases.consultation",
        header=consultation_header,
        rows=consultation_rows,
        stem="consultations",
        list_url_name="cases:case_list",
        description=gettext_lazy(
            "Kind, times, main concern, topics and outcomes of the consultations of a period "
            "(at most three years). No summary or notes."
        ),
        period=True,
        order=12,
    ),
):
    registry.list_exports.register(export)
