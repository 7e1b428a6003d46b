"""LINE care's part of the yearly report: the survey's figures (domain.md) and the risk
figures (urgent conversations, protocols, calls made) and the outreach broadcasts sent."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from core import registry
from core.figures import UNIT_COUNT, UNIT_PERCENT, ratio
from core.time import start_of_day
from line.models import Conversation

from .models import REASONS, Protocol, ProtocolCall, SurveyResponse
from .selectors import broadcast_figures

FELT_POSITIVE_TARGET_PCT = 70


def _bounds(start: datetime.date, end: datetime.date):
    return start_of_day(start), start_of_day(end + datetime.timedelta(days=1))


def report_numbers(start: datetime.date, end: datetime.date) -> dict[str, Any]:
    """Six queries: the survey's counts, urgent conversations by category, protocols,
    calls by whom, broadcasts sent."""
    since, until = _bounds(start, end)
    surveys = SurveyResponse.objects.filter(answered_at__gte=since, answered_at__lt=until)
    s = surveys.aggregate(
        responses=Count("pk"),
        reasons_answered=Count("pk", filter=Q(reasons_answered=True)),
        satisfaction_answered=Count("pk", filter=~Q(satisfaction="")),
        glad=Count("pk", filter=Q(satisfaction="glad")),
        felt_answered=Count("pk", filter=~Q(felt_positive="")),
        felt_positive=Count("pk", filter=Q(felt_positive__in=["yes", "somewhat"])),
        **{f"reason_{c}": Count("pk", filter=Q(reasons__contains=[c])) for c in REASONS},
    )
    urgent = dict(
        Conversation.objects.filter(urgent=True, opened_at__gte=since, opened_at__lt=until)
        .order_by()
        .values("category")
        .annotate(n=Count("pk"))
        .values_list("category", "n")
    )
    protocols = Protocol.objects.filter(opened_at__gte=since, opened_at__lt=until)
    calls = dict(
        ProtocolCall.objects.filter(protocol__in=protocols)
        .order_by()
        .values("to")
        .annotate(n=Count("pk"))
        .values_list("to", "n")
    )
    return {
        "survey": {
            "responses": s["responses"],
            "reasons_pct": {
                c: ratio(s[f"reason_{c}"], s["reasons_answered"], percent=True) for c in REASONS
            },
            "glad_pct": ratio(s["glad"], s["satisfaction_answered"], percent=True),
            "felt_positive_pct": ratio(s["felt_positive"], s["felt_answered"], percent=True),
            "felt_positive_target_pct": FELT_POSITIVE_TARGET_PCT,
        },
        "risk": {
            "urgent_conversations": sum(urgent.values()),
            "urgent_by_category": {c: urgent.get(c, 0) for c in Conversation.Category.values},
            "protocols": protocols.count(),
            "calls": {c: calls.get(c, 0) for c in ProtocolCall.To.values},
        },
        "outreach": broadcast_figures(start, end),
    }


def report_rows(numbers: Mapping[str, Any]) -> Iterable[registry.ReportRow]:
    yield registry.ReportRow(
        "survey.responses", _("Survey responses"),
        _("End-of-consultation surveys with at least one answer, by the time of the first."),
        unit=UNIT_COUNT,
    )  # fmt: skip
    for code, label in SurveyResponse.Reason.choices:
        yield registry.ReportRow(
            f"survey.reasons_pct.{code}", label,
            _("Respondents choosing this reason / respondents answering the question."),
            unit=UNIT_PERCENT,
        )  # fmt: skip
    yield registry.ReportRow(
        "survey.glad_pct", _("Glad she consulted (相談して良かった)"),
        _("Answers 'glad' / answers to the question."), unit=UNIT_PERCENT,
    )  # fmt: skip
    yield registry.ReportRow(
        "survey.felt_positive_pct", _("Felt positive (前向きな気持ちになれた)"),
        _("Answers 'yes' and 'a little' / answers to the question."), unit=UNIT_PERCENT,
        target="survey.felt_positive_target_pct",
    )  # fmt: skip
    yield registry.ReportRow(
        "survey.felt_positive_target_pct", _("Felt positive: target"),
        _("The programme's target."), unit=UNIT_PERCENT,
    )  # fmt: skip
    yield registry.ReportRow(
        "risk.urgent_conversations", _("Urgent conversations"),
        _("Conversations started in the period that the risk triage marked urgent."),
        unit=UNIT_COUNT,
    )  # fmt: skip
    for code, label in Conversation.Category.choices:
        yield registry.ReportRow(
            f"risk.urgent_by_category.{code}", label,
            _("Of those, with this category (the gravest found)."), unit=UNIT_COUNT,
        )  # fmt: skip
    yield registry.ReportRow(
        "risk.protocols", _("Imminent-risk protocols"),
        _("Protocols opened in the period."), unit=UNIT_COUNT,
    )  # fmt: skip
    for code, label in ProtocolCall.To.choices:
        yield registry.ReportRow(
            f"risk.calls.{code}", label,
            _("Calls made under the protocols opened in the period."), unit=UNIT_COUNT,
        )  # fmt: skip
    yield registry.ReportRow(
        "outreach.broadcasts_sent", _("Outreach broadcasts sent"),
        _("Broadcasts whose sending finished in the period (一斉配信)."), unit=UNIT_COUNT,
    )  # fmt: skip
    yield registry.ReportRow(
        "outreach.recipients", _("Friends reached by broadcasts"),
        _("Messages LINE accepted for those broadcasts: one per friend and broadcast."),
        unit=UNIT_COUNT,
    )  # fmt: skip
