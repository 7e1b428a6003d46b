"""What the followups app contributes to the shared extension points (`core.registry`)."""

import datetime

from celery.schedules import crontab
from django.db.models import Min, OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from audit.decorators import AccessSpec, declare
from audit.models import AccessLog
from core import authz, registry
from core.queries import count_of
from core.roles import Role
from core.time import local_date, start_of_day

from . import demo, privacy, services, timeline
from .admin import ClientOverdueFollowUpFilter, OverdueFollowUpFilter
from .models import FollowUp
from .selectors import (
    followups_due_now_for_assignee,
    followups_open_counts_for_assignee,
    overdue_q,
)

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


# --- the home page: my follow-ups overdue and due today, the first ones listed --------------
HOME_FOLLOWUPS_SHOWN = 10


def _home_my_followups(request, now) -> dict | None:
    if not authz.is_counselor(request.user):
        return None
    tomorrow = start_of_day(local_date(now) + datetime.timedelta(days=1))
    counts = followups_open_counts_for_assignee(request.user, now=now, tomorrow=tomorrow)
    due = followups_due_now_for_assignee(
        request.user, tomorrow=tomorrow, limit=HOME_FOLLOWUPS_SHOWN
    )
    if due:
        # The block names her clients and what is to be done: the home page shows follow-ups.
        declare(request, AccessSpec(AccessLog.Action.LIST, "followups.followup"), {})
    return {
        **counts,
        "due": due,
        "now": now,
        "more": counts["overdue"] + counts["today"] - len(due),
    }


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


# --- the case's page: its open follow-ups, overdue ones marked, and adding one (one query) --
def _case_section(request, case) -> dict | None:
    now = timezone.now()
    followups = list(
        FollowUp.objects.filter(case=case, state__in=FollowUp.OPEN_STATES)
        .select_related("assignee")
        .order_by("due_at", "id")
    )
    if case.status == case.Status.CLOSED:
        # Nothing is added to a closed case; what is still open on it stays in sight.
        return {"followups": followups, "now": now, "add_url": ""} if followups else None
    back = reverse("cases:case_detail", kwargs={"pk": case.pk})
    query = urlencode({"client": case.client_id, "case": case.pk, "next": back})
    return {
        "followups": followups,
        "now": now,
        "add_url": f"{reverse('followups:create')}?{query}",
        "next": back,
    }


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

# --- "follow-up needed" on a consultation creates the follow-up, due when she said ---------
registry.consultation_follow_ups.register(
    registry.ConsultationFollowUp(key="followups", create=services.followup_from_consultation)
)
