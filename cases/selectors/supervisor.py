"""Reads for the supervisor's overview pages: caseload per counselor and the risk board.

Supervisors see everything (see `access`); these selectors refuse anyone else with a 404, so a
view cannot forget the check. Each page is a fixed number of queries whatever the number of
counselors or clients: counts are correlated subqueries, never one query per row.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce

from accounts.models import User
from accounts.permissions import require_supervisor
from accounts.selectors import users_with_roles
from core.roles import Role
from followups.models import FollowUp

from ..models import Case, CaseClosureRequest, Client, RiskFlag
from .common import flag_in_force_q


def _total(queryset: QuerySet) -> QuerySet:
    """COUNT(*) of all of `queryset`'s rows, as a one-value queryset for a subquery."""
    return (
        queryset.order_by().annotate(one=Value(1)).values("one").annotate(n=Count("*")).values("n")
    )


def _count(queryset: QuerySet, group_by: str) -> Coalesce:
    """A correlated COUNT(*) subquery, 0 when there are no rows."""
    counted = queryset.order_by().values(group_by).annotate(n=Count("*")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def caseload_by_counselor(*, user: User, now: datetime.datetime) -> QuerySet[User]:
    """Active counselors with, each: open cases, overdue follow-ups, high-risk clients.

    One query: three correlated subqueries per counselor row.
    """
    require_supervisor(user)
    open_cases = Case.counselors.through.objects.filter(
        user_id=OuterRef("pk"), case__status__in=Case.OPEN_STATUSES
    )
    overdue = FollowUp.objects.filter(
        assignee_id=OuterRef("pk"), state__in=FollowUp.OPEN_STATES, due_at__lt=now
    )
    # Distinct clients of her open cases with an active high-risk flag.
    high_risk_flag = RiskFlag.objects.filter(
        flag_in_force_q(now), client_id=OuterRef("pk"), kind__in=RiskFlag.HIGH_RISK
    )
    on_her_open_case = Case.counselors.through.objects.filter(
        user_id=OuterRef(OuterRef("pk")),
        case__client_id=OuterRef("pk"),
        case__status__in=Case.OPEN_STATUSES,
    )
    high_risk_clients = _total(
        Client.objects.filter(Exists(high_risk_flag), Exists(on_her_open_case))
    )
    return users_with_roles(Role.COUNSELOR).annotate(
        open_cases=_count(open_cases, "user_id"),
        overdue_followups=_count(overdue, "assignee_id"),
        high_risk_clients=Coalesce(
            Subquery(high_risk_clients, output_field=IntegerField()), Value(0)
        ),
    )


@dataclass(frozen=True)
class SupervisorSummary:
    open_cases: int
    overdue_followups: int
    pending_closing_requests: int


def supervisor_summary(*, user: User, now: datetime.datetime) -> SupervisorSummary:
    """The three numbers of the supervisor's home block: one query (three subqueries)."""
    require_supervisor(user)
    counts = (
        User.objects.filter(pk=user.pk)
        .annotate(
            open_cases=Subquery(
                _total(Case.objects.filter(status__in=Case.OPEN_STATUSES)),
                output_field=IntegerField(),
            ),
            overdue_followups=Subquery(
                _total(FollowUp.objects.filter(state__in=FollowUp.OPEN_STATES, due_at__lt=now)),
                output_field=IntegerField(),
            ),
            pending_closing_requests=Subquery(
                _total(CaseClosureRequest.objects.filter(state=CaseClosureRequest.State.PENDING)),
                output_field=IntegerField(),
            ),
        )
        .values("open_cases", "overdue_followups", "pending_closing_requests")
        .get()
    )
    return SupervisorSummary(**{k: v or 0 for k, v in counts.items()})


def risk_board_for(
    *, user: User, now: datetime.datetime, kind: str | None = None
) -> QuerySet[RiskFlag]:
    """Active risk flags with the client, her current case and its counselors, last contact.

    Ordered high-risk kinds first, then by kind, then most recent contact; the template groups
    consecutive rows by kind. Queries: the flags (with subqueries), then the cases' counselors
    (see `attach_case_counselors`).
    """
    require_supervisor(user)
    current_case = Case.objects.filter(client_id=OuterRef("client_id")).order_by(
        F("closed_at").desc(nulls_first=True), "-opened_at", "-pk"
    )
    flags = (
        RiskFlag.objects.filter(flag_in_force_q(now))
        .select_related("client", "set_by")
        .annotate(
            high=ExpressionWrapper(Q(kind__in=RiskFlag.HIGH_RISK), output_field=BooleanField()),
            case_id=Subquery(current_case.values("pk")[:1]),
            last_contact_at=F("client__last_contact_at"),  # kept by the consultation services
        )
    )
    if kind:
        flags = flags.filter(kind=kind)
    return flags.order_by(
        F("high").desc(), "kind", F("last_contact_at").desc(nulls_last=True), "pk"
    )


def attach_case_counselors(flags: list[RiskFlag]) -> None:
    """Give each flag `.case` (or None) with its counselors: two queries for any number."""
    case_ids = {f.case_id for f in flags if f.case_id}
    cases = (
        {c.pk: c for c in Case.objects.filter(pk__in=case_ids).prefetch_related("counselors")}
        if case_ids
        else {}
    )
    for flag in flags:
        flag.case = cases.get(flag.case_id)
