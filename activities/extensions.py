"""What the activities app contributes to the shared extension points (`core.registry`)."""

from django.utils.translation import gettext_lazy as _

from core import registry
from core.roles import Role

from . import calendar, demo, privacy, services, timeline
from .selectors import expert_client_scope

# --- the staff calendar: peer sessions and expert days ----------------------------------------
registry.calendar_sources.register(
    registry.CalendarSource(
        key="activities.peer_sessions",
        label=_("Peer-support sessions"),
        entries=calendar.peer_session_entries,
        order=30,
    )
)
registry.calendar_sources.register(
    registry.CalendarSource(
        key="activities.expert_days",
        label=_("Expert days"),
        entries=calendar.expert_day_entries,
        order=20,
    )
)

# --- who sees a client: an expert, the women booked with her ---------------------------------
registry.client_scopes.register(
    registry.ClientScope(key="activities.expert_bookings", q=expert_client_scope)
)

# --- the case timeline ----------------------------------------------------------------------
registry.timeline_providers.register(
    registry.TimelineProvider(key="activities", entries=timeline.timeline_entries, order=30)
)


# --- merging two client records: her registrations and bookings follow her ------------------
def _merge_move(*, kept, merged, by, now) -> dict[str, int]:
    counts = {
        "peer_registrations": services.session_registrations_merge_move(kept=kept, merged=merged),
        "expert_bookings": services.expert_bookings_merge_move(kept=kept, merged=merged),
    }
    return {k: v for k, v in counts.items() if v}


def _merge_preview(*, kept, merged) -> dict[str, int]:
    from .models import ExpertBooking, SessionRegistration

    counts = {
        "peer_registrations": SessionRegistration.objects.filter(client=merged).count(),
        "expert_bookings": ExpertBooking.objects.filter(client=merged).count(),
    }
    return {k: v for k, v in counts.items() if v}


registry.merge_movers.register(
    registry.MergeMover(
        key="activities",
        move=_merge_move,
        preview=_merge_preview,
        labels={
            "peer_registrations": _("Peer-support registrations"),
            "expert_bookings": _("Expert bookings"),
        },
        order=30,
    )
)

# --- demo data ------------------------------------------------------------------------------
registry.demo_seeders.register(
    registry.DemoSeeder(
        key="activities",
        seed=demo.seed,
        delete=demo.delete,
        after=("accounts", "openings", "cases", "followups"),
        tables=demo.tables,
        present=demo.present,
    )
)

# --- her APPI rights -----------------------------------------------------------------------
registry.client_data.register(
    registry.ClientDataHolder(
        key="activities",
        label=_("Peer support and expert days"),
        disclose=privacy.disclose,
        anonymise=privacy.anonymise,
        last_activity=privacy.last_activity,
        records=privacy.records,
        order=30,
    )
)

# --- the menu -------------------------------------------------------------------------------
registry.nav_links.register(
    registry.NavLink(
        "activities.sessions",
        _("Peer support"),
        "activities:session_list",
        "activities.view_sessions",
        order=70,
    )
)
registry.nav_links.register(
    registry.NavLink(
        "activities.expert_days",
        _("Expert days"),
        "activities:expert_day_list",
        "activities.view_expert_days",
        order=75,
    )
)
registry.nav_links.register(
    registry.NavLink(
        "activities.figures",
        _("Peer support and expert figures"),
        "activities:figures",
        "activities.view_activity_figures",
        menu="supervision",
        order=80,
    )
)

# --- the admin: supervisors read the plans ---------------------------------------------------
registry.grant_models(
    Role.SUPERVISOR,
    "activities",
    {"peersession": ("view",), "expertday": ("view",)},
)
