"""The activities' entries on the staff calendar (`core.registry.calendar_sources`): peer
sessions and expert days. Titles name the activity, never a woman."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.urls import reverse
from django.utils.translation import gettext as _

from core import authz
from core.registry import CalendarEntry

from .models import ExpertDay, PeerSession
from .selectors import expert_days_visible_to, sessions_visible_to


def peer_session_entries(
    user, start: datetime.datetime, end: datetime.datetime
) -> Iterable[CalendarEntry]:
    """Sessions not cancelled that overlap [start, end). One query."""
    if not authz.can(user, "activities.view_sessions"):
        return []
    rows = (
        sessions_visible_to(user)
        .filter(starts_at__lt=end, ends_at__gt=start)
        .exclude(status=PeerSession.Status.CANCELLED)
        .order_by("starts_at", "pk")
    )
    return [
        CalendarEntry(
            start=s.starts_at,
            end=s.ends_at,
            title=_("Peer support: %(title)s") % {"title": s.title},
            kind="peer_session",
            uid=f"activities-peersession-{s.pk}",
            url=reverse("activities:session_detail", args=[s.pk]),
        )
        for s in rows
    ]


def expert_day_entries(
    user, start: datetime.datetime, end: datetime.datetime
) -> Iterable[CalendarEntry]:
    """Expert days not cancelled that overlap [start, end): the team's all, an expert's own.
    One query."""
    if not authz.can(user, "activities.view_expert_days"):
        return []
    rows = (
        expert_days_visible_to(user)
        .filter(starts_at__lt=end, ends_at__gt=start)
        .exclude(status=ExpertDay.Status.CANCELLED)
        .order_by("starts_at", "pk")
    )
    return [
        CalendarEntry(
            start=d.starts_at,
            end=d.ends_at,
            title=_("Expert day: %(kind)s") % {"kind": d.get_kind_display()},
            kind=f"expert_{d.kind}",
            uid=f"activities-expertday-{d.pk}",
            url=reverse("activities:expert_day_detail", args=[d.pk]),
        )
        for d in rows
    ]
