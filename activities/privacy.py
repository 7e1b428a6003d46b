"""What the activities app holds about a client, for her APPI rights
(`core.registry.client_data`): her session registrations and attendance, and her expert
bookings with their referral notes (the expert's record itself is a consultation, disclosed
and anonymised by the cases app).

Anonymisation replaces the referral notes (free text) and keeps the codes and dates, so the
figures do not change.
"""

from __future__ import annotations

import datetime
from typing import Any

import pgtrigger
from django.db.models import OuterRef
from django.db.models.functions import Greatest
from django.utils.translation import gettext as _

from cases.privacy import REMOVED, family_of, latest_of, record_row, section
from core.demo import event_model

from .models import ExpertBooking, SessionRegistration

APPEND_ONLY_LIFTED = ("activities.ExpertBookingEvent:append_only",)


def disclose(client) -> list[dict[str, Any]]:
    ids = family_of(client)
    registrations = SessionRegistration.objects.filter(client_id__in=ids).select_related(
        "session", "registered_by"
    )
    bookings = ExpertBooking.objects.filter(client_id__in=ids).select_related(
        "slot__day", "booked_by"
    )
    return [
        section(
            _("Peer-support sessions"),
            [
                record_row(
                    r,
                    ("status", "registered_by", "registered_at"),
                    **{
                        _("session"): r.session.title,
                        _("held at"): r.session.starts_at.isoformat(),
                    },
                )
                for r in registrations
            ],
        ),
        section(
            _("Expert bookings"),
            [
                record_row(
                    b,
                    ("referral_note", "booked_by", "booked_at", "status"),
                    **{
                        _("kind"): b.slot.day.get_kind_display(),
                        _("time"): b.slot.starts_at.isoformat(),
                    },
                )
                for b in bookings
            ],
        ),
    ]


def anonymise(client, now: datetime.datetime) -> dict[str, int]:
    ids = family_of(client)
    with pgtrigger.ignore(*APPEND_ONLY_LIFTED):
        scrubbed = (
            ExpertBooking.objects.filter(client_id__in=ids)
            .exclude(referral_note=REMOVED)
            .update(referral_note=REMOVED)
        )
        event_model(ExpertBooking).objects.filter(client_id__in=ids).update(referral_note=REMOVED)
    return {"expert_bookings": scrubbed} if scrubbed else {}


def last_activity():
    """Her latest session registered for or expert booking."""
    return Greatest(
        latest_of(SessionRegistration.objects.filter(client_id=OuterRef("pk")), "registered_at"),
        latest_of(ExpertBooking.objects.filter(client_id=OuterRef("pk")), "booked_at"),
    )


def records(client) -> dict[str, list[int]]:
    ids = family_of(client)
    return {
        "activities.expertbooking": list(
            ExpertBooking.objects.filter(client_id__in=ids).values_list("pk", flat=True)
        ),
    }
