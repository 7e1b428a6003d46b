"""Peer-support sessions, expert days and expert bookings as downloads
(`core.registry.ListExport`). Sessions and expert days carry head counts only, so those who
plan them (coordinators, supervisors) may have them; the bookings name women by number and
are the supervisors'. No notes, venues, materials, peer supporters' names or referral notes."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import exports, registry
from core.time import fiscal_year_start, local_date

from . import selectors
from .models import ExpertBooking, ExpertDay, PeerSession


def _period(params: Mapping[str, str]):
    """The period asked for; by default what the list page shows (this fiscal year on)."""
    first, last = exports.period_param(params)
    if first is None and last is None:
        first = fiscal_year_start(local_date(timezone.now()))
    return first, last


def session_header() -> list[str]:
    return [
        _("Session number"), _("Title"), _("Start"), _("End"), _("Online"), _("Status"),
        _("Capacity"), _("Registered"), _("Attended"),
    ]  # fmt: skip


def session_rows(user: Any, params: Mapping[str, str]) -> Iterator[list[Any]]:
    """The sessions of the period with their head counts (no names). One query."""
    first, last = _period(params)
    statuses = exports.choice_labels(PeerSession.Status.choices)
    sessions = selectors.session_list(user, start=first, end=last).only(
        "pk", "title", "starts_at", "ends_at", "online", "status", "capacity",
        "anonymous_registered", "anonymous_attended",
    )  # fmt: skip
    return (
        [
            s.pk,
            s.title,
            s.starts_at,
            s.ends_at,
            _("yes") if s.online else "",
            statuses.get(s.status, s.status),
            s.capacity,
            s.registered,
            s.attended,
        ]  # fmt: skip
        for s in sessions.iterator(chunk_size=2000)
    )


def day_header() -> list[str]:
    return [
        _("Expert day number"), _("Kind"), _("Expert"), _("Start"), _("End"), _("Status"),
        _("Slots"), _("Booked"),
    ]  # fmt: skip


def day_rows(user: Any, params: Mapping[str, str]) -> Iterator[list[Any]]:
    """The expert days of the period with their slots and bookings counted. One query."""
    first, last = _period(params)
    kinds = exports.choice_labels(ExpertDay.Kind.choices)
    statuses = exports.choice_labels(ExpertDay.Status.choices)
    days = selectors.expert_day_list(user, start=first, end=last)
    return (
        [
            d.pk,
            kinds.get(d.kind, d.kind),
            str(d.expert),
            d.starts_at,
            d.ends_at,
            statuses.get(d.status, d.status),
            d.slot_count,
            d.booked_count,
        ]  # fmt: skip
        for d in days.iterator(chunk_size=2000)
    )


def booking_header() -> list[str]:
    return [
        _("Booking number"), _("Expert day number"), _("Kind"), _("Expert"), _("Slot"),
        _("Client number"), _("Status"), _("Booked"), _("Consultation number"),
    ]  # fmt: skip


def booking_rows(user: Any, params: Mapping[str, str]) -> Iterator[list[Any]]:
    """The bookings of the period's slots (`from`, `to`, `status`). One query."""
    first, last = _period(params)
    status = exports.choice_param(params, "status", ExpertBooking.Status.values)
    qs = selectors.expert_bookings_for(user).filter(
        exports.period_q("slot__starts_at", first, last)
    )
    if status:
        qs = qs.filter(status=status)
    kinds = exports.choice_labels(ExpertDay.Kind.choices)
    statuses = exports.choice_labels(ExpertBooking.Status.choices)
    return (
        [
            b.pk,
            b.slot.day_id,
            kinds.get(b.slot.day.kind, b.slot.day.kind),
            str(b.slot.day.expert),
            b.slot.starts_at,
            b.client_id,
            statuses.get(b.status, b.status),
            b.booked_at,
            b.consultation_id or "",
        ]  # fmt: skip
        for b in qs.order_by("slot__starts_at", "pk").iterator(chunk_size=2000)
    )


for export in (
    registry.ListExport(
        key="activities.sessions",
        label=gettext_lazy("Peer-support sessions"),
        capability="activities.manage_sessions",
        model="activities.peersession",
        header=session_header,
        rows=session_rows,
        stem="peer-sessions",
        list_url_name="activities:session_list",
        description=gettext_lazy(
            "Each session with its times, status, capacity and head counts (no names). "
            "Without a period: this fiscal year on."
        ),
        period=True,
        order=30,
    ),
    registry.ListExport(
        key="activities.expert_days",
        label=gettext_lazy("Expert days"),
        capability="activities.manage_expert_days",
        model="activities.expertday",
        header=day_header,
        rows=day_rows,
        stem="expert-days",
        list_url_name="activities:expert_day_list",
        description=gettext_lazy(
            "Each expert day with its kind, expert, times, slots and bookings counted. "
            "Without a period: this fiscal year on."
        ),
        period=True,
        order=31,
    ),
    registry.ListExport(
        key="activities.expert_bookings",
        label=gettext_lazy("Expert consultation bookings"),
        capability="cases.export_lists",
        model="activities.expertbooking",
        header=booking_header,
        rows=booking_rows,
        stem="expert-bookings",
        list_url_name="activities:expert_day_list",
        description=gettext_lazy(
            "Each booking with its day, slot, client number and status. No referral note. "
            "Without a period: this fiscal year on."
        ),
        period=True,
        order=32,
    ),
):
    registry.list_exports.register(export)
