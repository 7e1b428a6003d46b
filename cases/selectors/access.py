"""Reads of clients, consultations and cases, scoped to what the user may see.

Who sees what:
- a supervisor sees everything;
- a counselor sees the clients and cases she is assigned to (a client's counselors, or a case's
  counselors), plus the intake queue: active clients nobody is assigned to yet;
- a coordinator sees counts only, never case content;
- an expert sees only what is referred to her: other apps add such ways in through
  `core.registry.client_scopes`.
A user may hold several roles: she sees the union.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from accounts.models import User
from core import authz, registry

from ..models import Case, Client, Consultation


def _client_scope(user: User) -> Q | None:
    """A filter on Client for this user; None means "everything"."""
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if authz.is_supervisor(user):
        return None
    scope = Q(pk__in=[])
    if authz.is_counselor(user):
        assigned = Client.counselors.through.objects.filter(
            client_id=OuterRef("pk"), user_id=user.pk
        )
        any_assigned = Client.counselors.through.objects.filter(client_id=OuterRef("pk"))
        on_case = Case.counselors.through.objects.filter(
            case__client_id=OuterRef("pk"), user_id=user.pk
        )
        scope |= (
            Q(Exists(assigned))
            | Q(Exists(on_case))
            | (Q(status=Client.Status.ACTIVE) & ~Q(Exists(any_assigned)))
        )
    # Other apps may let a user reach a client another way (e.g. an expert, the women booked
    # with her): each registered scope is OR-ed in.
    for extra in registry.client_scopes:
        if (q := extra.q(user)) is not None:
            scope |= q
    return scope


def clients_visible_to(user: User) -> QuerySet[Client]:
    scope = _client_scope(user)
    qs = Client.objects.all()
    return qs if scope is None else qs.filter(scope)


def cases_visible_to(user: User) -> QuerySet[Case]:
    qs = Case.objects.select_related("client")
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if authz.is_supervisor(user):
        return qs
    if authz.is_counselor(user):
        on_case = Case.counselors.through.objects.filter(case_id=OuterRef("pk"), user_id=user.pk)
        assigned_client = Client.counselors.through.objects.filter(
            client_id=OuterRef("client_id"), user_id=user.pk
        )
        return qs.filter(Q(Exists(on_case)) | Q(Exists(assigned_client)))
    return qs.none()


def consultations_visible_to(user: User) -> QuerySet[Consultation]:
    qs = Consultation.objects.select_related("client", "recorded_by", "opening")
    scope = _client_scope(user)
    if scope is None:
        return qs
    return qs.filter(client__in=Client.objects.filter(scope).values("pk"))


def client_get_for(user: User, pk: int) -> Client:
    """The client, if this user may see her; otherwise 404 (never 403: no hint it exists)."""
    return authz.get_or_deny(clients_visible_to(user), pk)


def case_get_for(user: User, pk: int) -> Case:
    return authz.get_or_deny(cases_visible_to(user), pk)


def consultation_get_for(user: User, pk: int) -> Consultation:
    return authz.get_or_deny(consultations_visible_to(user), pk)
