"""The staff calendar: who sees it and who may have a feed (asked through `core.authz`)."""

from __future__ import annotations

from core import authz, registry

registry.capabilities.register(
    registry.Capability(
        "agenda.view_calendar",
        lambda user, obj: authz.is_staff_member(user),
        "The staff calendar: anyone holding a role (each source shows what she may see).",
    )
)
registry.capabilities.register(
    registry.Capability(
        "agenda.use_feed",
        lambda user, obj: authz.is_staff_member(user),
        "A personal iCalendar feed of her calendar: anyone holding a role.",
    )
)
