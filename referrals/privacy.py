"""What the referrals app holds about a client, for her APPI rights (`core.registry.client_data`):
her consents, referrals and their transitions, accompaniments, the meetings that discussed
her, and the provision records.

Anonymisation removes the free text (names of who consented for her, reasons, outcomes,
notes, places) and keeps the codes and dates. Provision records are left exactly as they are:
they hold codes and the recipient's name, never her data, and must be kept three years.
"""

from __future__ import annotations

import datetime
from typing import Any

import pgtrigger
from django.db.models import OuterRef, Q
from django.db.models.functions import Greatest
from django.utils.translation import gettext as _

from cases.privacy import REMOVED, family_of, latest_of, record_row, section
from core.demo import event_model

from .models import (
    Accompaniment,
    Consent,
    MeetingCase,
    ProvisionRecord,
    Referral,
    ReferralTransition,
)

# The transitions' notes and the history rows keep earlier texts: lifted for the
# anonymisation's transaction only (the one sanctioned exception, see cases/privacy.py).
APPEND_ONLY_LIFTED = (
    "referrals.ReferralTransition:referrals_referraltransition_append_only",
    "referrals.ConsentEvent:append_only",
    "referrals.ReferralEvent:append_only",
    "referrals.AccompanimentEvent:append_only",
    "referrals.MeetingCaseEvent:append_only",
)

CONSENT_FIELDS = (
    "given_by_herself",
    "given_by_name",
    "given_by_relationship",
    "given_at",
    "method",
    "scope",
    "recorded_by",
    "withdrawn_at",
    "withdraw_reason",
)
REFERRAL_FIELDS = (
    "partner",
    "status",
    "reason",
    "shared_items",
    "emergency_override_reason",
    "declined_reason",
    "outcome",
    "created_at",
    "sent_at",
    "accepted_at",
    "completed_at",
)
ACCOMPANIMENT_FIELDS = (
    "place",
    "starts_at",
    "ends_at",
    "transport",
    "cost_yen",
    "status",
    "outcome",
)
PROVISION_FIELDS = ("provided_at", "recipient_name", "recipient_kind", "items", "basis", "by")


def disclose(client) -> list[dict[str, Any]]:
    ids = family_of(client)
    consents = Consent.objects.filter(client_id__in=ids).select_related("recorded_by")
    referrals = Referral.objects.filter(client_id__in=ids).select_related("partner")
    accompaniments = Accompaniment.objects.filter(client_id__in=ids)
    meetings = MeetingCase.objects.filter(client_id__in=ids).select_related("meeting")
    provisions = ProvisionRecord.objects.filter(client_id__in=ids).select_related("by")
    return [
        section(
            _("Consents to sharing"),
            [record_row(c, CONSENT_FIELDS, **{_("record"): f"#{c.pk}"}) for c in consents],
        ),
        section(
            _("Referrals"),
            [record_row(r, REFERRAL_FIELDS, **{_("record"): f"#{r.pk}"}) for r in referrals],
        ),
        section(
            _("Accompaniments"),
            [record_row(a, ACCOMPANIMENT_FIELDS) for a in accompaniments],
        ),
        section(
            _("Support-coordination meetings"),
            [
                record_row(
                    m,
                    ("shared_items", "basis", "decisions"),
                    **{_("meeting"): m.meeting.title, _("held at"): m.meeting.held_at.isoformat()},
                )
                for m in meetings
            ],
        ),
        section(
            _("Third-party provision records"),
            [record_row(p, PROVISION_FIELDS) for p in provisions],
        ),
    ]


def anonymise(client, now: datetime.datetime) -> dict[str, int]:
    ids = family_of(client)
    with pgtrigger.ignore(*APPEND_ONLY_LIFTED):
        consents = Consent.objects.filter(client_id__in=ids).filter(
            ~Q(given_by_name="") | ~Q(given_by_relationship="") | ~Q(withdraw_reason="")
        )
        consent_values = {
            "given_by_name": REMOVED,
            "given_by_relationship": "",
            "withdraw_reason": "",
        }
        scrubbed_consents = consents.filter(given_by_herself=False).update(**consent_values)
        scrubbed_consents += consents.filter(given_by_herself=True).update(
            given_by_name="", given_by_relationship="", withdraw_reason=""
        )
        event_model(Consent).objects.filter(client_id__in=ids).update(
            given_by_name=REMOVED, given_by_relationship="", withdraw_reason=""
        )
        referral_values = {
            "reason": REMOVED,
            "outcome": REMOVED,
            "declined_reason": REMOVED,
            "emergency_override_reason": REMOVED,
        }
        referrals = Referral.objects.filter(client_id__in=ids)
        scrubbed_referrals = 0
        # Empty texts stay empty (the checks ask only that the required ones are set).
        for name, value in referral_values.items():
            scrubbed_referrals = max(
                scrubbed_referrals,
                referrals.exclude(**{name: ""}).exclude(**{name: value}).update(**{name: value}),
            )
            event_model(Referral).objects.filter(client_id__in=ids).exclude(**{name: ""}).update(
                **{name: value}
            )
        notes = ReferralTransition.objects.filter(referral__client_id__in=ids).exclude(note="")
        scrubbed_notes = notes.exclude(note=REMOVED).update(note=REMOVED)
        accompaniments = Accompaniment.objects.filter(client_id__in=ids)
        scrubbed_accompaniments = accompaniments.exclude(place=REMOVED).update(
            place=REMOVED, transport="", outcome=REMOVED, cancel_reason=""
        )
        # The held ones keep a non-empty outcome; the others had none.
        accompaniments.exclude(status=Accompaniment.Status.HELD).update(outcome="")
        event_model(Accompaniment).objects.filter(client_id__in=ids).update(
            place=REMOVED, transport="", outcome="", cancel_reason=""
        )
        scrubbed_meetings = (
            MeetingCase.objects.filter(client_id__in=ids)
            .exclude(decisions="")
            .exclude(decisions=REMOVED)
            .update(decisions=REMOVED)
        )
        event_model(MeetingCase).objects.filter(client_id__in=ids).exclude(decisions="").update(
            decisions=REMOVED
        )
    counts = {
        "referral_consents": scrubbed_consents,
        "referrals": scrubbed_referrals,
        "referral_transitions": scrubbed_notes,
        "accompaniments": scrubbed_accompaniments,
        "meeting_cases": scrubbed_meetings,
    }
    return {k: v for k, v in counts.items() if v}


def last_activity():
    """Her latest referral, consent or accompaniment."""
    return Greatest(
        latest_of(Referral.objects.filter(client_id=OuterRef("pk")), "updated_at"),
        latest_of(Consent.objects.filter(client_id=OuterRef("pk")), "given_at"),
        latest_of(Accompaniment.objects.filter(client_id=OuterRef("pk")), "starts_at"),
    )


def records(client) -> dict[str, list[int]]:
    ids = family_of(client)
    return {
        "referrals.referral": list(
            Referral.objects.filter(client_id__in=ids).values_list("pk", flat=True)
        ),
        "referrals.accompaniment": list(
            Accompaniment.objects.filter(client_id__in=ids).values_list("pk", flat=True)
        ),
    }
