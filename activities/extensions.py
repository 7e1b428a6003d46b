"""What the activities app contributes to the shared extension points (`core.registry`)."""

from django.utils.translation import gettext_lazy as _

from activities import exports  # noqa: F401 (registers its list downloads)
from audit.decorators import AccessSpec, declare
from audit.models import AccessLog
from core import authz, registry
from core.roles import Role

from . import calendar, demo, privacy, report, services, timeline
from .models import ExpertDay, PeerSession
from .selectors import expert_client_scope, expert_own_bookings, session_list

HOME_SHOWN = 5

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


# --- an expert holds the consultations she answers (legal / health) -------------------------
registry.consultation_staff.register(
    registry.ConsultationStaff(
        key="activities.experts", role=Role.EXPERT, kinds=tuple(ExpertDay.Kind.values)
    )
)


# --- the home page: an expert's next bookings; the team's next sessions ----------------------
def _home(request, now) -> dict | None:
    user = request.user
    if authz.is_expert(user) and not authz.can(user, "activities.view_sessions"):
        bookings = list(
            expert_own_bookings(user).filter(status="booked", slot__ends_at__gte=now)[:HOME_SHOWN]
        )
        if bookings:
            # The block names the women booked with her.
            declare(request, AccessSpec(AccessLog.Action.LIST, "activities.expertbooking"), {})
        return {"bookings": bookings}
    if not authz.can(user, "activities.view_sessions"):
        return None
    sessions = list(
        session_list(user).filter(starts_at__gte=now, status=PeerSession.Status.PLANNED)[:2]
    )
    return {"bookings": None, "sessions": sessions} if sessions else None


registry.home_blocks.register(
    registry.HomeBlock(
        key="activities.upcoming",
        template="activities/home/upcoming.html",
        context=_home,
        order=40,
    )
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


# --- the yearly report ------------------------------------------------------------------------
registry.report_sections.register(
    registry.ReportSection(
        key="activities",
        title=_("Peer support and expert consultation days"),
        numbers=report.report_numbers,
        rows=report.report_rows,
        order=40,
    )
)
