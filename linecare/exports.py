"""The end-of-consultation survey's answers as a download for supervisors
(`core.registry.ListExport`): her choices only, never her comment or her LINE account."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import authz, exports, registry

from .models import SurveyResponse

CAPABILITY = "cases.export_lists"


def survey_responses_for(user: Any) -> QuerySet[SurveyResponse]:
    """The survey responses she may download: every one for a supervisor, none otherwise."""
    if not authz.can(user, CAPABILITY):
        return SurveyResponse.objects.none()
    return SurveyResponse.objects.only(
        "pk", "conversation_id", "consultation_id", "step", "reasons", "reasons_answered",
        "satisfaction", "felt_positive", "sent_at", "answered_at", "finished_at",
    )  # fmt: skip


def header() -> list[str]:
    return [
        _("Response number"), _("Conversation number"), _("Consultation number"), _("Sent"),
        _("First answer"), _("Finished"), _("Step reached"), _("Why she consulted"),
        _("Glad she consulted"), _("Felt positive"),
    ]  # fmt: skip


def rows(user: Any, params: Mapping[str, str]) -> Iterator[list[Any]]:
    """The surveys sent in the period (`from`, `to`), answered or not. One query."""
    first, last = exports.period_param(params)
    qs = survey_responses_for(user).filter(exports.period_q("sent_at", first, last))
    steps = exports.choice_labels(SurveyResponse.Step.choices)
    reasons = exports.choice_labels(SurveyResponse.Reason.choices)
    glad = exports.choice_labels(SurveyResponse.Satisfaction.choices)
    positive = exports.choice_labels(SurveyResponse.FeltPositive.choices)
    return (
        [
            s.pk,
            s.conversation_id,
            s.consultation_id or "",
            s.sent_at,
            s.answered_at,
            s.finished_at,
            steps.get(s.step, s.step),
            "、".join(reasons.get(code, code) for code in s.reasons),
            glad.get(s.satisfaction, s.satisfaction),
            positive.get(s.felt_positive, s.felt_positive),
        ]  # fmt: skip
        for s in qs.order_by("sent_at", "pk").iterator(chunk_size=2000)
    )


registry.list_exports.register(
    registry.ListExport(
        key="linecare.survey_responses",
        label=gettext_lazy("Survey responses"),
        capability=CAPABILITY,
        model="linecare.surveyresponse",
        header=header,
        rows=rows,
        stem="survey-responses",
        description=gettext_lazy(
            "Each end-of-consultation survey: when it was sent and answered, her reasons, "
            "whether she was glad and felt positive. No comment and no LINE account."
        ),
        period=True,
        order=50,
    )
)
