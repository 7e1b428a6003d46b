"""What each role may do with follow-ups (asked through `core.authz`)."""

from __future__ import annotations

from typing import Any

from core import authz, registry

from .selectors import followups_visible_to


def _caseworker(user: Any, obj: Any = None) -> bool:
    # Follow-ups belong to casework: the same people as the client pages, one definition.
    return authz.can(user, "cases.work_with_clients")


def _sees(user: Any, followup: Any) -> bool:
    return followup is not None and followups_visible_to(user).filter(pk=followup.pk).exists()


for capability in [
    registry.Capability(
        "followups.view_followups", _caseworker, "The follow-up pages: counselors, supervisors."
    ),
    registry.Capability(
        "followups.view_followup", _sees, "This follow-up's client is in her scope."
    ),
    registry.Capability(
        "followups.take_followups",
        _caseworker,
        "May be the assignee of a follow-up (asked of the assignee): counselors, supervisors.",
    ),
]:
    registry.capabilities.register(capability)
