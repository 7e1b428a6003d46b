"""What the LINE app contributes to the shared extension points (`core.registry`)."""

from django.utils.translation import gettext_lazy as _

from core import registry
from core.roles import Role

from . import demo, privacy, report

# --- periodic work: nothing accepted is lost, nothing sent is forgotten ---------------------
for entry in (
    # Events stored while the broker was down (or whose task was lost).
    registry.PeriodicTask(
        key="line-sweep-events",
        task="line.tasks.sweep_events",
        schedule=60.0,
        options={"expires": 55},
    ),
    # Messages to her whose retry is due, or whose worker died mid-send.
    registry.PeriodicTask(
        key="line-sweep-sends",
        task="line.tasks.sweep_sends",
        schedule=30.0,
        options={"expires": 25},
    ),
    # Images, videos, audio and files still to fetch from LINE.
    registry.PeriodicTask(
        key="line-sweep-media",
        task="line.tasks.sweep_media",
        schedule=300.0,
        options={"expires": 290},
    ),
):
    registry.periodic_tasks.register(entry)

# --- demo data: a year of LINE events on the demo clients --------------------------------------
registry.demo_seeders.register(
    registry.DemoSeeder(
        key="line",
        seed=demo.seed,
        delete=demo.delete,
        after=("cases",),
        tables=demo.tables,
        present=demo.present,
    )
)

# --- her APPI rights -----------------------------------------------------------------------
registry.client_data.register(
    registry.ClientDataHolder(
        key="line",
        label=_("LINE consultation"),
        disclose=privacy.disclose,
        anonymise=privacy.anonymise,
        last_activity=privacy.last_activity,
        records=privacy.records,
        order=30,
    )
)

# --- navigation ------------------------------------------------------------------------------
for link in (
    registry.NavLink(
        "line.autoreplies",
        _("Automatic replies"),
        "line:autoreplies",
        "line.edit_autoreplies",
        menu="supervision",
        order=70,
    ),
    registry.NavLink(
        "line.settings",
        _("LINE settings"),
        "line:settings",
        "line.change_settings",
        menu="supervision",
        order=71,
    ),
):
    registry.nav_links.register(link)

# --- the admin: supervisors read what LINE sent (not the messages: those are read in the app)
registry.grant_models(Role.SUPERVISOR, "line", {"webhookevent": ("view",)})


# --- the yearly report ------------------------------------------------------------------------
registry.report_sections.register(
    registry.ReportSection(
        key="line",
        title=_("LINE consultation"),
        numbers=report.report_numbers,
        rows=report.report_rows,
        monthly=(registry.MonthlySeries("follows", _("Friends added"), report.follows_by_month),),
        order=1,
    )
)
