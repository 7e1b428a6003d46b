"""Imminent-risk protocols on her case timeline."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from cases.models import Case

from .models import Protocol


def timeline_entries(case: Case) -> list[dict]:
    """Two queries: her protocols, and their calls (prefetched)."""
    entries: list[dict] = []
    protocols = (
        Protocol.objects.filter(client_id=case.client_id)
        .select_related("opened_by", "confirmed_by")
        .prefetch_related("calls")
        .order_by("opened_at", "pk")
    )
    for p in protocols:
        calls = ", ".join(str(c.get_to_display()) for c in p.calls.all())
        entries.append(
            {
                "at": p.opened_at,
                "kind": "risk_protocol",
                "actor": p.opened_by,
                "title": _("Imminent-risk protocol (%(status)s)")
                % {"status": p.get_status_display()},
                "body": _("Calls: %(calls)s") % {"calls": calls} if calls else "",
                "url": reverse("linecare:protocol", kwargs={"protocol_pk": p.pk}),
                "object": p,
            }
        )
    return entries
