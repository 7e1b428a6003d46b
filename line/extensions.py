"""What the LINE app contributes to the shared extension points (`core.registry`)."""

from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core import authz, registry
from core.roles import Role
from line import exports  # noqa: F401 (registers its list downloads)

from . import demo, privacy, report, selectors


def _home(request, now):
    """The counselor's block: how many wait, and the conversations she holds."""
    user = request.user
    if not authz.can(user, "line.work_with_conversations"):
        return None
    return selectors.home_for(user)


registry.home_blocks.register(
    registry.HomeBlock(key="line.inbox", template="line/home/inbox.html", context=_home, order=5)
)


def _holding(user):
    """A counselor sees the record of a woman whose LINE conversation she holds now (her case
    summary beside the chat), for as long as she holds it."""
    if not authz.is_counselor(user):
        return None
    from .models import Conversation

    held = Conversation.objects.filter(
        client_id=OuterRef("pk"), assigned_to_id=user.pk, status=Conversation.Status.OPEN
    )
    return Q(Exists(held))


registry.client_scopes.register(registry.ClientScope(key="line.holding", q=_holding))


# --- a peer-support session's page: its LINE invitations (one query, counts only) -----------
def _session_section(request, session):
    if not authz.can(request.user, "line.send_session_invitations"):
        return None
    from django.urls import reverse

    return {
        "counts": selectors.invitation_counts(session),
        "url": reverse("line:session_invitations", kwargs={"pk": session.pk}),
    }


registry.page_sections.register(
    registry.PageSection(
        key="line.session_invitations",
        page="activities.session_detail",
        template="line/sections/session.html",
        context=_session_section,
        order=10,
    )
)

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
    # Escalations waiting too long for a supervisor (LINE_ESCALATION_OVERTIME_MINUTES).
    registry.PeriodicTask(
        key="line-escalation-overtime",
        task="line.tasks.alert_overtime_escalations",
        schedule=60.0,
        options={"expires": 55},
    ),
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
        "line.inbox",
        pgettext_lazy("navigation", "LINE"),
        "line:inbox",
        "line.use_inbox",
        order=15,
    ),
    registry.NavLink(
        "line.live",
        _("LINE live view"),
        "line:live",
        "line.supervise_conversations",
        menu="supervision",
        order=68,
    ),
    registry.NavLink(
        "line.canned",
        _("Canned responses"),
        "line:canned",
        "line.edit_canned_responses",
        menu="supervision",
        order=69,
    ),
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
