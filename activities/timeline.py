"""The activities' entries on a case's timeline: her peer sessions and expert bookings."""

from __future__ import annotations

from django.utils.translation import gettext as _

from .models import ExpertBooking, PeerSession, SessionRegistration


def timeline_entries(case) -> list[dict]:
    """Two queries, whatever the number of rows."""
    entries = []
    registrations = (
        SessionRegistration.objects.filter(client_id=case.client_id)
        .exclude(status=SessionRegistration.Status.WITHDRAWN)
        .exclude(session__status=PeerSession.Status.CANCELLED)
        .select_related("session", "registered_by")
    )
    for r in registrations:
        entries.append(
            {
                "at": r.session.starts_at,
                "kind": "peer_session",
                "actor": r.registered_by,
                "title": _("Peer-support session: %(title)s (%(status)s)")
                % {"title": r.session.title, "status": r.get_status_display()},
            }
        )
    bookings = (
        ExpertBooking.objects.filter(client_id=case.client_id)
        .exclude(status=ExpertBooking.Status.CANCELLED)
        .select_related("slot__day", "booked_by")
    )
    for b in bookings:
        entries.append(
            {
                "at": b.slot.starts_at,
                "kind": "expert_booking",
                "actor": b.booked_by,
                "title": _("%(kind)s booked (%(status)s)")
                % {"kind": b.slot.day.get_kind_display(), "status": b.get_status_display()},
            }
        )
    return entries
