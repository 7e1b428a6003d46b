"""What the followups app holds about a client, for her APPI rights (`core.registry.client_data`):
her follow-ups, their history, and the in-app notifications about them (whose titles name her
and say what was to be done)."""

from __future__ import annotations

import datetime
from typing import Any

import pgtrigger
from django.db.models import OuterRef, Q
from django.db.models.functions import Greatest
from django.utils.translation import gettext as _

from cases.privacy import REMOVED, family_of, history_rows, latest_of, record_row, section
from core.demo import event_model
from notifications.models import Notification

from .models import FollowUp

FIELDS = (
    "what",
    "due_at",
    "assignee",
    "state",
    "notified_at",
    "escalated_at",
    "done_at",
    "done_by",
    "cancelled_at",
    "cancelled_by",
    "cancel_reason",
    "created_by",
    "created_at",
)

# The follow-ups' history rows keep every earlier "what": lifted for the anonymisation's
# transaction only (see cases/privacy.py, the one sanctioned exception).
APPEND_ONLY_LIFTED = ("followups.FollowUpEvent:append_only",)


def _notifications_q(followup_ids: list[int]) -> Q:
    # A follow-up's reminders and escalations carry its dedupe key "followup:<pk>:...".
    q = Q(pk__in=[])
    for pk in followup_ids:
        q |= Q(dedupe_key__startswith=f"followup:{pk}:")
    return q


def disclose(client) -> list[dict[str, Any]]:
    ids = family_of(client)
    followups = list(
        FollowUp.objects.filter(client_id__in=ids)
        .select_related("assignee", "done_by", "cancelled_by", "created_by")
        .order_by("due_at", "pk")
    )
    return [
        section(
            _("Follow-ups"),
            [
                record_row(
                    f,
                    FIELDS,
                    **{
                        _("record"): f"#{f.pk}",
                        _("case"): f.case_id,
                        _("consultation"): f.consultation_id,
                    },
                )
                for f in followups
            ],
        ),
        section(
            _("History of her follow-ups"),
            history_rows(
                FollowUp, Q(client_id__in=ids), ("what", "state", "due_at", "cancel_reason")
            ),
        ),
    ]


def anonymise(client, now: datetime.datetime) -> dict[str, int]:
    ids = family_of(client)
    followups = FollowUp.objects.filter(client_id__in=ids)
    followup_ids = list(followups.values_list("pk", flat=True))
    with pgtrigger.ignore(*APPEND_ONLY_LIFTED):
        scrubbed = followups.filter(~Q(what=REMOVED) | ~Q(cancel_reason="")).update(
            what=REMOVED, cancel_reason=""
        )
        event_model(FollowUp).objects.filter(client_id__in=ids).update(
            what=REMOVED, cancel_reason=""
        )
    notified = 0
    if followup_ids:
        notified = (
            Notification.objects.filter(_notifications_q(followup_ids))
            .exclude(title=REMOVED)
            .update(title=REMOVED)
        )
    return {k: v for k, v in {"followups": scrubbed, "notifications": notified}.items() if v}


def last_activity():
    """Her latest follow-up: made, due, done or cancelled."""
    her = FollowUp.objects.filter(client_id=OuterRef("pk"))
    return Greatest(
        latest_of(her, "created_at"),
        latest_of(her, "done_at"),
        latest_of(her, "cancelled_at"),
    )


def records(client) -> dict[str, list[int]]:
    ids = family_of(client)
    return {
        "followups.followup": list(
            FollowUp.objects.filter(client_id__in=ids).values_list("pk", flat=True)
        )
    }
