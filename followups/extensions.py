"""What the followups app contributes to the shared extension points (`core.registry`)."""

import datetime

from celery.schedules import crontab
from django.db.models import Min, OuterRef, Subquery
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from core import authz, registry
from core.queries import count_of
from core.roles import Role
from core.time import local_date, start_of_day

from . import demo, privacy, services, timeline
from .admin import ClientOverdueFollowUpFilter, OverdueFollowUpFilter
from .models import FollowUp
from .selectors import followups_open_counts_for_assignee, overdue_q

registry.timeline_providers.register(
    registry.TimelineProvider(key="followups", entries=timeline.timeline_entries)
)


# --- demo data: follow-ups of the demo clients and cases --------------------------------------
registry.demo_seeders.register(
    registry.DemoSeeder(
        key="followups", seed=demo.seed, delete=demo.delete, after=("cases",), tables=demo.tables
    )
)

registry.merge_movers.register(
    registry.MergeMover(
        key="followups",
        move=services.followups_merge_move,
        preview=services.followups_merge_preview,
        labels={"followups": _("Follow-ups")},
        order=10,  # after the cases, which the follow-ups point to
    )
)


# --- the supervisors' figures: overdue follow-ups per counselor and in all ------------------
def _overdue_link(now, counselor_pk: int | None) -> str:
    # The admin changelist takes plain field lookups (see followups/admin.py).
    query = {"state__in": ",".join(FollowUp.OPEN_STATES), "due_at__lt": now.isoformat()}
    if counselor_pk is not None:
        query["assignee"] = counselor_pk
    return f"{reverse('admin:followups_followup_changelist')}?{urlencode(query)}"


registry.supervision_figures.register(
    registry.SupervisionFigure(
        key="overdue_followups",
        label=_("Overdue follow-ups"),
        per_counselor=lambda now: count_of(
            FollowUp.objects.filter(overdue_q(now), assignee_id=OuterRef("pk"))
        ),
        total=lambda now: count_of(FollowUp.objects.filter(overdue_q(now))),
        link=_overdue_link,
        alert=True,
        order=10,
    )
)


# --- the home page: my follow-ups overdue and due today -------------------------------------
def _home_my_followups(request, now) -> dict | None:
    if not authz.is_counselor(request.user):
        return None
    tomorrow = start_of_day(local_date(now) + datetime.timedelta(days=1))
    return followups_open_counts_for_assignee(request.user, now=now, tomorrow=tomorrow)


registry.home_blocks.register(
    registry.HomeBlock(
        key="followups.mine",
        template="followups/home/my_followups.html",
        context=_home_my_followups,
        order=20,
    )
)

# --- periodic work: reminders, escalations and the morning digest ---------------------------
for _task in (
    registry.PeriodicTask(
        key="followups-sweep-due",
        task="followups.tasks.sweep_due",
        schedule=60.0,
        options={"expires": 55},  # a backlog of stale ticks would only repeat the same sweep
    ),
    registry.PeriodicTask(
        key="followups-morning-digest",
        task="followups.tasks.morning_digest",
        schedule=crontab(hour=8, minute=0),  # CELERY_TIMEZONE: Asia/Tokyo
    ),
):
    registry.periodic_tasks.register(_task)


# --- the admin ----------------------------------------------------------------------------
registry.grant_models(Role.SUPERVISOR, "followups", {"followup": ("view", "change")})


# --- the admin: "has an overdue follow-up" on the client and case changelists --------------
registry.admin_filters.register(
    registry.AdminFilter(
        key="followups.overdue.client", model="cases.client", filter=ClientOverdueFollowUpFilter
    )
)
registry.admin_filters.register(
    registry.AdminFilter(
        key="followups.overdue.case", model="cases.case", filter=OverdueFollowUpFilter
    )
)


# --- the client's page: her follow-ups (one query) -----------------------------------------
def _client_section(request, client) -> dict:
    followups = FollowUp.objects.filter(client=client).select_related("assignee")
    return {"followups": list(followups.order_by("due_at", "id"))}


registry.page_sections.register(
    registry.PageSection(
        key="followups.client",
        page="cases.client_detail",
        template="followups/sections/client.html",
        context=_client_section,
    )
)


# --- the case list: each case's next open follow-up -----------------------------------------
def _next_followup_due(now):
    return Subquery(
        FollowUp.objects.filter(case_id=OuterRef("pk"), state__in=FollowUp.OPEN_STATES)
        .order_by()
        .values("case_id")
        .annotate(due=Min("due_at"))
        .values("due")[:1]
    )


registry.list_columns.register(
    registry.ListColumn(
        key="next_followup_due",
        list="cases.case_list",
        label=_("Next follow-up"),
        annotation=_next_followup_due,
        template="followups/sections/next_due_cell.html",
    )
)


# --- the case's page: add a follow-up, back to the case once saved (no query) --------------
def _case_section(request, case) -> dict | None:
    if case.status == case.Status.CLOSED:
        return None
    back = reverse("cases:case_detail", kwargs={"pk": case.pk})
    query = urlencode({"client": case.client_id, "case": case.pk, "next": back})
    return {"add_url": f"{reverse('followups:create')}?{query}"}


registry.page_sections.register(
    registry.PageSection(
        key="followups.case",
        page="cases.case_detail",
        template="followups/sections/case.html",
        context=_case_section,
    )
)


# --- closing a case: its open follow-ups are listed, then cancelled or handed over ---------
def _case_open_items(case_ids) -> dict[int, list[registry.OpenItem]]:
    found: dict[int, list[registry.OpenItem]] = {}
    rows = (
        FollowUp.objects.filter(case_id__in=list(case_ids), state__in=FollowUp.OPEN_STATES)
        .select_related("assignee")
        .order_by("due_at", "pk")
    )
    for f in rows:
        found.setdefault(f.case_id, []).append(
            registry.OpenItem(
                kind=_("Follow-up"),
                text=f.what,
                owner=f.assignee,
                due=f.due_at,
                url=reverse("followups:detail", args=[f.pk]),
            )
        )
    return found


registry.case_open_items.register(
    registry.CaseOpenItems(
        key="followups", items=_case_open_items, settle=services.followups_settle_for_case
    )
)


# --- her APPI rights: her follow-ups (disclosure, erasure, retention) ---------------------
registry.client_data.register(
    registry.ClientDataHolder(
        key="followups",
        label=_("Follow-ups"),
        disclose=privacy.disclose,
        anonymise=privacy.anonymise,
        last_activity=privacy.last_activity,
        records=privacy.records,
        order=10,
    )
)


registry.nav_links.register(
    registry.NavLink(
        "followups.mine", _("Follow-ups"), "followups:mine", "followups.view_followups", order=40
    )
)
