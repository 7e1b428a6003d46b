"""What the openings app contributes to the shared extension points (`core.registry`)."""

import datetime

from celery.schedules import crontab
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core import authz, registry
from core.roles import Role

from . import demo, report
from .models import Channel
from .selectors import next_opening, opening_at, planned_openings

# --- demo data: the FY2022 opening calendar the demo consultations point at -------------------
registry.demo_seeders.register(
    registry.DemoSeeder(key="openings", seed=demo.seed, delete=demo.delete, tables=demo.tables)
)


# --- the home page: is the LINE consultation open now, or when next ------------------------
def _home_line_status(request, now) -> dict | None:
    if not authz.is_staff_member(request.user):
        return None
    current = opening_at(now, Channel.LINE)
    return {
        "current": current,
        "upcoming": None if current else next_opening(Channel.LINE, after=now),
    }


registry.home_blocks.register(
    registry.HomeBlock(
        key="openings.line_status",
        template="openings/home/line_status.html",
        context=_home_line_status,
        order=0,
    )
)

# --- periodic work: keep the calendar materialised ahead -------------------------------------
registry.periodic_tasks.register(
    registry.PeriodicTask(
        key="openings-materialize-ahead",
        task="openings.tasks.materialize_ahead",
        schedule=crontab(hour=3, minute=15),  # daily; it materialises the next 90 days
        options={"expires": 6 * 60 * 60},
    )
)


# --- the admin: supervisors keep the opening hours ----------------------------------------
registry.grant_models(
    Role.SUPERVISOR,
    "openings",
    {
        "openingrule": ("view", "add", "change", "delete"),
        "openingexception": ("view", "add", "change", "delete"),
        "opening": ("view",),
    },
)


registry.nav_links.register(
    registry.NavLink(
        "openings.calendar",
        _("Opening calendar"),
        "openings:calendar",
        "openings.view_calendar",
        order=90,
    )
)


# --- the staff calendar: the LINE consultation's opening windows -----------------------------
def _calendar_entries(user, start, end) -> list[registry.CalendarEntry]:
    """The LINE windows overlapping [start, end), from the rules and exceptions (two queries,
    whatever the range); public hours, so for anyone who may see the opening calendar."""
    if not authz.can(user, "openings.view_calendar"):
        return []
    first = timezone.localtime(start).date()
    last = timezone.localtime(end).date()
    title = gettext("LINE consultation open")
    return [
        registry.CalendarEntry(
            start=o.starts_at,
            end=o.ends_at,
            title=title,
            kind="line_opening",
            uid=f"openings-line-{o.starts_at.astimezone(datetime.UTC):%Y%m%dT%H%M}",
            url=None,
        )
        for o in planned_openings(start=first, end=last, channel=Channel.LINE)
        if o.starts_at < end and o.ends_at > start
    ]


registry.calendar_sources.register(
    registry.CalendarSource(
        key="openings.line",
        label=_("LINE openings"),
        entries=_calendar_entries,
        order=10,
    )
)


# --- the yearly report ------------------------------------------------------------------------
registry.report_sections.register(
    registry.ReportSection(
        key="openings",
        title=_("Opening days"),
        numbers=report.report_numbers,
        rows=report.report_rows,
        derived=report.derived,
        order=5,
    )
)
