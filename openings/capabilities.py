"""Who sees and changes the opening calendar (asked through `core.authz`)."""

from __future__ import annotations

from core import authz, registry

registry.capabilities.register(
    registry.Capability(
        "openings.view_calendar",
        lambda user, obj: authz.is_staff_member(user),
        "The opening calendar: anyone holding a role.",
    )
)
registry.capabilities.register(
    registry.Capability(
        "openings.edit_calendar",
        lambda user, obj: authz.is_coordinator(user) or authz.is_supervisor(user),
        "Add or remove closures and extra openings: coordinators and supervisors.",
    )
)
