"""Peer sessions and expert days: who may do what (asked through `core.authz`).

- coordinators and supervisors plan sessions and expert days;
- counselors (and supervisors) register the women they work with, book them into an expert's
  slot and take attendance of those they registered;
- an expert sees her own days, the women booked with her with the referral note only, and the
  records she made; nothing else of their cases (she is no caseworker: the case pages refuse
  her through `cases.work_with_clients`).
"""

from __future__ import annotations

from typing import Any

from core import authz, registry


def _organiser(user: Any, obj: Any = None) -> bool:
    return authz.is_coordinator(user) or authz.is_supervisor(user)


def _caseworker(user: Any, obj: Any = None) -> bool:
    return authz.can(user, "cases.work_with_clients")


def _staff_but_expert_only(user: Any, obj: Any = None) -> bool:
    # Sessions are the team's: counselors, coordinators, supervisors (an expert who holds no
    # other role does not see them).
    return _caseworker(user) or authz.is_coordinator(user)


def _expert(user: Any, obj: Any = None) -> bool:
    return authz.is_expert(user)


def _records_booking(user: Any, booking: Any) -> bool:
    """The expert of the booking's day records it."""
    return booking is not None and authz.is_expert(user) and booking.slot.day.expert_id == user.pk


for capability in [
    registry.Capability(
        "activities.view_sessions",
        _staff_but_expert_only,
        "Peer-support sessions: counselors, coordinators, supervisors.",
    ),
    registry.Capability(
        "activities.manage_sessions",
        _organiser,
        "Plan, change and cancel sessions and record anonymous head counts: coordinators, "
        "supervisors.",
    ),
    registry.Capability(
        "activities.register_clients",
        _caseworker,
        "Register her clients for a session and take their attendance: counselors, supervisors.",
    ),
    registry.Capability(
        "activities.view_expert_days",
        lambda user, obj: _staff_but_expert_only(user) or _expert(user),
        "Expert days: the team sees them all, an expert her own.",
    ),
    registry.Capability(
        "activities.manage_expert_days",
        _organiser,
        "Plan and cancel expert days: coordinators, supervisors.",
    ),
    registry.Capability(
        "activities.book_experts",
        _caseworker,
        "Book a client into an expert's slot: counselors, supervisors.",
    ),
    registry.Capability(
        "activities.record_expert_consultation",
        _records_booking,
        "Record the consultation of a booking on her own day: the expert.",
    ),
    registry.Capability(
        "activities.view_activity_figures",
        lambda user, obj: _staff_but_expert_only(user),
        "Session and expert-day figures (counts only): counselors, coordinators, supervisors.",
    ),
]:
    registry.capabilities.register(capability)
