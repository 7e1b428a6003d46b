"""What the cases app contributes to the shared extension points (`core.registry`)."""

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from cases import exports  # noqa: F401 (registers its list downloads)
from core import authz, registry
from core.roles import Role

from . import demo, privacy, timeline
from .selectors import dashboard, report, supervisor
from .services import clients as client_services

registry.timeline_providers.register(
    registry.TimelineProvider(key="cases", entries=timeline.core_entries)
)


# --- demo data: the demo clients and their records, after the staff and calendar they use ---
registry.demo_seeders.register(
    registry.DemoSeeder(
        key="cases",
        seed=demo.seed,
        delete=demo.delete,
        after=("accounts", "openings"),
        tables=demo.tables,
        present=demo.present,
        foreign=demo.foreign,
    )
)

registry.merge_movers.register(
    registry.MergeMover(
        key="cases",
        move=client_services.merge_move_records,
        preview=client_services.merge_preview_records,
        labels={
            "consultations": _("Consultations"),
            "cases": _("Cases"),
            "risk_flags": _("Risk flags"),
            "risk_flags_dropped": _("Duplicate open risk flags to be cleared"),
            "counselors": _("Counselors added"),
        },
    )
)


# --- the supervisors' figures: caseload columns and summary cards ---------------------------
def _open_cases_link(now, counselor_pk: int | None) -> str:
    # The app's case list, not the admin: it shows her open cases by default.
    if counselor_pk is None:
        return reverse("cases:case_list")
    return f"{reverse('cases:case_list')}?{urlencode({'counselor': counselor_pk})}"


registry.supervision_figures.register(
    registry.SupervisionFigure(
        key="open_cases",
        label=_("Open cases"),
        per_counselor=supervisor.figure_open_cases_per_counselor,
        total=supervisor.figure_open_cases_total,
        link=_open_cases_link,
        order=0,
    )
)
registry.supervision_figures.register(
    registry.SupervisionFigure(
        key="high_risk_clients",
        label=_("High-risk clients"),
        per_counselor=supervisor.figure_high_risk_clients_per_counselor,
        alert=True,
        order=20,
    )
)
registry.supervision_figures.register(
    registry.SupervisionFigure(
        key="pending_closing_requests",
        label=_("Closing requests awaiting approval"),
        total=supervisor.figure_pending_closing_requests_total,
        link=lambda now, pk: reverse("cases:closure_pending"),
        order=30,
    )
)


# --- the home page: my work, supervision, the programme's counts ----------------------------
def _home_my_work(request, now) -> dict | None:
    if not authz.is_counselor(request.user):
        return None
    return {"mine": dashboard.counselor_dashboard(user=request.user, now=now)}


def _home_supervision(request, now) -> dict | None:
    if not authz.is_supervisor(request.user):
        return None
    totals = supervisor.supervisor_summary(user=request.user, now=now)
    approvals = []
    if authz.can(request.user, "cases.approve_closure"):
        approvals = dashboard.pending_closings_for(user=request.user)
    return {
        "cards": supervisor.supervision_cards(totals=totals, now=now),
        "approvals": approvals,
        "approvals_total": totals.get("pending_closing_requests", len(approvals)),
    }


def _home_programme(request, now) -> dict | None:
    if not (authz.is_coordinator(request.user) or authz.is_supervisor(request.user)):
        return None
    return {"programme": dashboard.programme_counts(now=now)}


for _block in (
    registry.HomeBlock(
        key="cases.my_work", template="cases/home/my_work.html", context=_home_my_work, order=10
    ),
    registry.HomeBlock(
        key="cases.supervision",
        template="cases/home/supervision.html",
        context=_home_supervision,
        order=30,
    ),
    registry.HomeBlock(
        key="cases.programme",
        template="cases/home/programme.html",
        context=_home_programme,
        order=40,
    ),
):
    registry.home_blocks.register(_block)


# --- the admin: supervisors read every record and edit descriptive fields -------------------
registry.grant_models(
    Role.SUPERVISOR,
    "cases",
    {
        "client": ("view", "change"),
        "consultation": ("view", "change"),
        "case": ("view", "change"),
        "riskflag": ("view", "change"),
        "casenote": ("view",),
        "caseevent": ("view",),
        "clientmerge": ("view",),
        "clientassignmentchange": ("view",),
        "supportgoal": ("view",),
        "supportaction": ("view",),
    },
)


# --- her APPI rights: what this app holds about her (disclosure, erasure, retention) --------
registry.client_data.register(
    registry.ClientDataHolder(
        key="cases",
        label=_("Clients, consultations and cases"),
        disclose=privacy.disclose,
        anonymise=privacy.anonymise,
        last_activity=privacy.last_activity,
        records=privacy.records,
        order=0,
    )
)


# --- the main navigation: the counselors' pages and the supervisors' menu ---------------------
for _link in [
    registry.NavLink(
        "cases.intake",
        _("New intake"),
        "cases:intake",
        "cases.work_with_clients",
        order=10,
        accesskey="n",
    ),
    registry.NavLink(
        "cases.clients", _("Clients"), "cases:client_list", "cases.work_with_clients", order=20
    ),
    registry.NavLink(
        "cases.cases", _("Cases"), "cases:case_list", "cases.work_with_clients", order=30
    ),
    registry.NavLink(
        "cases.caseload",
        _("Caseload per counselor"),
        "cases:caseload",
        "cases.supervise",
        menu="supervision",
        order=10,
    ),
    registry.NavLink(
        "cases.risk_board",
        _("Risk board"),
        "cases:risk_board",
        "cases.supervise",
        menu="supervision",
        order=20,
    ),
    registry.NavLink(
        "cases.closure_pending",
        _("Closing requests"),
        "cases:closure_pending",
        "cases.approve_closure",
        menu="supervision",
        order=30,
    ),
    registry.NavLink(
        "cases.break_glass",
        _("Break-glass openings"),
        "cases:break_glass_list",
        "cases.review_break_glass",
        menu="supervision",
        order=60,
    ),
]:
    registry.nav_links.register(_link)


# --- the yearly report ------------------------------------------------------------------------
registry.report_sections.register(
    registry.ReportSection(
        key="cases",
        title=_("Consultations and cases"),
        numbers=report.report_numbers,
        rows=report.report_rows,
        monthly=(
            registry.MonthlySeries(
                "line_consultations", _("LINE consultations"), report.line_consultations_by_month
            ),
        ),
        order=10,
    )
)
