"""Referral transitions, accompaniments and meetings on a case's timeline."""

from __future__ import annotations

from django.utils import formats, timezone
from django.utils.translation import gettext as _

from cases.models import Case

from .models import Accompaniment, MeetingCase, ReferralTransition


def timeline_entries(case: Case) -> list[dict]:
    """Three queries: the transitions of its referrals, its accompaniments, its meetings."""
    entries: list[dict] = []
    transitions = (
        ReferralTransition.objects.filter(referral__case=case)
        .select_related("referral__partner", "by")
        .order_by("at", "pk")
    )
    for t in transitions:
        entries.append(
            {
                "at": t.at,
                "kind": "referral",
                "actor": t.by,
                "title": _("Referral to %(partner)s: %(status)s")
                % {"partner": t.referral.partner.name, "status": t.get_to_status_display()},
                "body": t.note,
                "url": "",
                "object": t.referral,
            }
        )
    accompaniments = (
        Accompaniment.objects.filter(case=case)
        .select_related("created_by")
        .order_by("starts_at", "pk")
    )
    for a in accompaniments:
        entries.append(
            {
                "at": a.starts_at,
                "kind": "accompaniment",
                "actor": a.created_by,
                "title": _("Accompaniment (%(status)s): %(place)s")
                % {"status": a.get_status_display(), "place": a.place},
                "body": a.outcome or a.cancel_reason,
                "url": "",
                "object": a,
            }
        )
    rows = (
        MeetingCase.objects.filter(case=case)
        .select_related("meeting__created_by")
        .order_by("meeting__held_at", "pk")
    )
    for row in rows:
        entries.append(
            {
                "at": row.meeting.held_at,
                "kind": "meeting",
                "actor": row.meeting.created_by,
                "title": _("Support-coordination meeting: %(title)s")
                % {"title": row.meeting.title},
                "body": row.decisions,
                "url": "",
                "object": row.meeting,
            }
        )
    return entries


def _local(value) -> str:
    return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
