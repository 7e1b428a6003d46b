"""Reads for the supervisor's overview pages: caseload per counselor and the risk board.

Supervisors see everything (see `access`); these selectors refuse anyone else with a 404, so a
view cannot forget the check. Each page is a fixed number of queries whatever the number of
counselors or clients: counts are correlated subqueries, never one query per row.
"""

from __future__ import annotations

import datetime

from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)

from accounts.models import User
from accounts.selectors import users_with_roles
from core import authz, registry
from core.queries import count_of
from core.roles import Role

from ..models import Case, CaseClosureRequest, Client, RiskFlag
from .common import flag_in_force_q


def caseload_by_counselor(*, user: User, now: datetime.datetime) -> QuerySet[User]:
    """Active counselors, each annotated with every registered supervision figure that has a
    per-counselor value (open cases, overdue follow-ups, high-risk clients, ...).

    One query: a correlated subquery per figure.
    """
    authz.require(user, "cases.supervise")
    return users_with_roles(Role.COUNSELOR).annotate(
        **{
            figure.key: figure.per_counselor(now)
            for figure in registry.supervision_figures
            if figure.per_counselor is not None
        }
    )


def supervisor_summary(*, user: User, now: datetime.datetime) -> dict[str, int]:
    """The programme-wide total of every registered figure that has one, {key: count}: one
    query (a subquery each)."""
    authz.require(user, "cases.supervise")
    totals = {
        figure.key: figure.total(now)
        for figure in registry.supervision_figures
        if figure.total is not None
    }
    if not totals:
        return {}
    return User.objects.filter(pk=user.pk).annotate(**totals).values(*totals).get()


def supervision_cards(*, totals: dict[str, int], now: datetime.datetime) -> list[tuple]:
    """(figure, total, link) for each figure in `totals` (`supervisor_summary`): the cards."""
    return [
        (f, totals[f.key], f.link(now, None))
        for f in registry.supervision_figures
        if f.key in totals
    ]


# --- the cases app's figures (registered in cases/extensions.py) ----------------------------


def figure_open_cases_per_counselor(now: datetime.datetime):
    return count_of(
        Case.counselors.through.objects.filter(
            user_id=OuterRef("pk"), case__status__in=Case.OPEN_STATUSES
        )
    )


def figure_open_cases_total(now: datetime.datetime):
    return count_of(Case.objects.filter(status__in=Case.OPEN_STATUSES))


def figure_high_risk_clients_per_counselor(now: datetime.datetime):
    """Distinct clients of her open cases with an active high-risk flag."""
    high_risk_flag = RiskFlag.objects.filter(
        flag_in_force_q(now), client_id=OuterRef("pk"), kind__in=RiskFlag.HIGH_RISK
    )
    on_her_open_case = Case.counselors.through.objects.filter(
        user_id=OuterRef(OuterRef("pk")),
        case__client_id=OuterRef("pk"),
        case__status__in=Case.OPEN_STATUSES,
    )
    return count_of(Client.objects.filter(Exists(high_risk_flag), Exists(on_her_open_case)))


def figure_pending_closing_requests_total(now: datetime.datetime):
    return count_of(CaseClosureRequest.objects.filter(state=CaseClosureRequest.State.PENDING))


def risk_board_for(
    *, user: User, now: datetime.datetime, kind: str | None = None
) -> QuerySet[RiskFlag]:
    """Active risk flags with the client, her current case and its counselors, last contact.

    Ordered high-risk kinds first, then by kind, then most recent contact; the template groups
    consecutive rows by kind. Queries: the flags (with subqueries), then the cases' counselors
    (see `attach_case_counselors`).
    """
    authz.require(user, "cases.supervise")
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
