"""What LINE care contributes to the shared extension points (`core.registry`) and to the
LINE app's own (`line.hooks`)."""

from django.utils.translation import gettext_lazy as _

from core import registry
from line import hooks
from linecare import exports  # noqa: F401 (registers its list downloads)

from . import demo, pages, report, timeline
from .services import protocols, survey, triage

# --- the LINE app's moments ----------------------------------------------------------------
# Her free comment after the survey stays with the closed conversation (no new one queued).
hooks.message_consumers.register(
    hooks.MessageConsumer("linecare.survey_comment", survey.survey_comment_consume)
)
hooks.message_received.register(hooks.MessageHook("linecare.triage", triage.message_triage))
hooks.message_received.register(
    hooks.MessageHook("linecare.survey_comment", survey.survey_comment, order=10)
)
hooks.postback_received.register(hooks.PostbackHook("linecare.survey", survey.survey_answer))
hooks.close_guards.register(hooks.CloseGuard("linecare.protocol_open", protocols.close_problem))
hooks.after_close.register(
    hooks.AfterClose(
        "linecare.survey",
        lambda conversation, by, options: survey.survey_send(
            conversation=conversation, by=by, options=options
        ),
    )
)
hooks.conversation_panels.register(
    hooks.ConversationPanel("linecare.risk", "linecare/panels/risk.html", pages.risk_panel)
)

# --- her case timeline ------------------------------------------------------------------------
registry.timeline_providers.register(
    registry.TimelineProvider("linecare.protocols", timeline.timeline_entries, order=40)
)

# --- navigation ------------------------------------------------------------------------------
registry.nav_links.register(
    registry.NavLink(
        "linecare.expressions",
        _("Risk expressions"),
        "linecare:expressions",
        "linecare.edit_risk_expressions",
        menu="supervision",
        order=72,
    )
)
registry.nav_links.register(
    registry.NavLink(
        "linecare.broadcasts",
        _("Broadcasts"),
        "linecare:broadcasts",
        "linecare.view_broadcasts",
        menu="main",
        order=65,
    )
)

# --- periodic work: a broadcast left sending is resumed ----------------------------------------
registry.periodic_tasks.register(
    registry.PeriodicTask(
        key="linecare-sweep-broadcasts",
        task="linecare.tasks.sweep_broadcasts",
        schedule=60.0,
        options={"expires": 55},
    )
)

# --- the yearly report ------------------------------------------------------------------------
registry.report_sections.register(
    registry.ReportSection(
        key="linecare",
        title=_("Survey and risk"),
        numbers=report.report_numbers,
        rows=report.report_rows,
        order=2,
    )
)

# --- demo data: the year's surveys, urgent conversations, two protocols ----------------------
registry.demo_seeders.register(
    registry.DemoSeeder(
        key="linecare",
        seed=demo.seed,
        delete=demo.delete,
        after=("line",),
        tables=demo.tables,
        present=demo.present,
    )
)
