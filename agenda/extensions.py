"""What the staff calendar contributes to the shared extension points (`core.registry`)."""

from django.utils.translation import gettext_lazy as _

from core import registry

registry.nav_links.register(
    registry.NavLink(
        "agenda.calendar",
        _("Calendar"),
        "agenda:calendar",
        "agenda.view_calendar",
        order=45,  # beside her follow-ups: her shifts, sessions and accompaniments
    )
)
