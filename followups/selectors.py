"""Reads of follow-ups, scoped through cases.selectors: whoever may see the client."""

from __future__ import annotations

import datetime

from django.db.models import Count, Q, QuerySet

from accounts.models import User
from accounts.selectors import users_with_roles
from cases.models import Case, Client
from cases.selectors import clients_visible_to
from core import authz
from core.roles import Role

from .models import FollowUp


def overdue_q(now: datetime.datetime, prefix: str = "") -> Q:
    """The one definition of an overdue follow-up: still open and due before `now`.
    `prefix` ("followups__") filters through a relation."""
    return Q(**{f"{prefix}state__in": FollowUp.OPEN_STATES, f"{prefix}due_at__lt": now})


def followups_visible_to(user: User) -> QuerySet[FollowUp]:
    """Follow-ups of the clients she may see; none for coordinators and experts."""
    qs = FollowUp.objects.select_related("client", "case", "assignee")
    if not authz.can(user, "followups.view_followups"):
        return qs.none()
    if authz.is_supervisor(user):
        return qs
    return qs.filter(client__in=clients_visible_to(user).values("pk"))


def followup_get_for(user: User, pk: int) -> FollowUp:
    """The follow-up, if this user may see its client; otherwise 404."""
    return authz.get_or_deny(followups_visible_to(user), pk)


def followups_open_for_assignee(user: User) -> QuerySet[FollowUp]:
    """My open follow-ups, earliest due first (so overdue, then today, then later)."""
    return (
        followups_visible_to(user)
        .filter(assignee=user, state__in=FollowUp.OPEN_STATES)
        .order_by("due_at", "id")
    )


def followups_open_counts_for_assignee(
    user: User, *, now: datetime.datetime, tomorrow: datetime.datetime
) -> dict[str, int]:
    """How many of my open follow-ups are overdue, due today (before `tomorrow`) and later:
    one query, for the section headings and the page count."""
    return (
        followups_open_for_assignee(user)
        .order_by()
        .aggregate(
            overdue=Count("pk", filter=overdue_q(now)),
            today=Count("pk", filter=Q(due_at__gte=now, due_at__lt=tomorrow)),
            later=Count("pk", filter=Q(due_at__gte=tomorrow)),
        )
    )


def followups_due_now_for_assignee(
    user: User, *, tomorrow: datetime.datetime, limit: int = 10
) -> list[FollowUp]:
    """My open follow-ups due before `tomorrow` (overdue first, then today's), at most `limit`:
    what to do now, for the home page. One query."""
    return list(followups_open_for_assignee(user).filter(due_at__lt=tomorrow)[:limit])


def assignee_choices_for(*, client: Client, case: Case | None, user: User) -> QuerySet[User]:
    """Who may be given a follow-up for this client: her counselors, the case's, or me."""
    people = User.objects.filter(pk=user.pk) | User.objects.filter(assigned_clients=client)
    if case is not None:
        people = people | User.objects.filter(assigned_cases=case)
    return users_with_roles(Role.COUNSELOR, Role.SUPERVISOR).filter(pk__in=people.values("pk"))
