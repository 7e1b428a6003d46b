"""Reads of clients, consultations and cases, scoped to what the user may see.

Who sees what (the rule of `core.authz`, written out here because these querysets apply it):
- a supervisor sees everything;
- a counselor sees her own clients and cases: the clients she is assigned to (a client's
  counselors), the clients on whose case she works, and those cases. The intake queue (active
  clients nobody is assigned to yet) is NOT in her scope: intake shows her a minimal line of
  each woman (`intake_queue`, `intake_search` in `selectors.clients`), from which she takes
  her on (one click: then she is hers) or opens the record by break-glass: she states a
  reason, a grant (`audit.BreakGlassAccess`) is written, and for `BREAK_GLASS_MINUTES` that
  client, her consultations and her cases are in her scope;
- a coordinator sees counts only, never case content;
- an expert sees only what is referred to her: other apps add such ways in through
  `core.registry.client_scopes`.
A user may hold several roles: she sees the union.
"""

from __future__ import annotations

import datetime

from django.db.models import BigIntegerField, CharField, Exists, OuterRef, Q, QuerySet
from django.db.models.functions import Cast
from django.utils import timezone

from accounts.models import User
from audit.models import BreakGlassAccess
from core import authz, registry
from core.time import start_of_day

from ..models import Case, Client, Consultation

# How a break-glass grant names a client (`BreakGlassAccess.object_type`).
CLIENT_OBJECT_TYPE = Client._meta.label_lower


def break_glass_grants(
    user: User, *, client_ref: OuterRef | int, now: datetime.datetime | None = None
) -> QuerySet[BreakGlassAccess]:
    """Her unexpired break-glass grants on one client (an id or an OuterRef to one). The
    grant's object id is text, so the client's id is cast to text, never the other way: a
    grant on another kind of record may hold an id that is not a number. Served by the index
    audit_breakglass_grant_idx (user, object type, object id, expiry)."""
    object_id = (
        Cast(client_ref, output_field=CharField())
        if isinstance(client_ref, OuterRef)
        else str(client_ref)
    )
    return BreakGlassAccess.objects.filter(
        user_id=user.pk,
        object_type=CLIENT_OBJECT_TYPE,
        object_id=object_id,
        expires_at__gt=now or timezone.now(),
    )


def granted_client_ids(user: User, *, now: datetime.datetime | None = None) -> QuerySet:
    """The ids of the clients she holds an unexpired break-glass grant on, for `pk__in`.
    As an IN list PostgreSQL hashes the few grants once per query; as an EXISTS correlated
    through the id's text cast it probed the grants once per candidate row (20,000 probes
    for a one-character search at 100x). The cast to a number is in the select list, so it
    only meets the ids of client grants."""
    return BreakGlassAccess.objects.filter(
        user_id=user.pk, object_type=CLIENT_OBJECT_TYPE, expires_at__gt=now or timezone.now()
    ).values(client_id=Cast("object_id", output_field=BigIntegerField()))


def _own_client_scope(user: User) -> Q:
    """The clients that are hers: assigned to her, or on whose case she works."""
    assigned = Client.counselors.through.objects.filter(client_id=OuterRef("pk"), user_id=user.pk)
    on_case = Case.counselors.through.objects.filter(
        case__client_id=OuterRef("pk"), user_id=user.pk
    )
    return Q(Exists(assigned)) | Q(Exists(on_case))


def _client_scope(user: User) -> Q | None:
    """A filter on Client for this user; None means "everything"."""
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    if authz.is_supervisor(user):
        return None
    scope = Q(pk__in=[])
    if authz.is_counselor(user):
        # Hers, plus the few she opened by break-glass, while the grant lasts.
        scope |= _own_client_scope(user) | Q(pk__in=granted_client_ids(user))
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
        # A client opened by break-glass brings her cases with her, for as long as the grant.
        granted = Q(client_id__in=granted_client_ids(user))
        return qs.filter(Q(Exists(on_case)) | Q(Exists(assigned_client)) | granted)
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


def break_glass_accesses_for(
    user: User,
    *,
    by: User | None = None,
    day_from: datetime.date | None = None,
    day_to: datetime.date | None = None,
) -> QuerySet[BreakGlassAccess]:
    """Supervisors' review of break-glass openings, newest first: who, when, which record,
    why, until when. Filtered by who opened and by day (Asia/Tokyo, both ends included)."""
    authz.require(user, "cases.review_break_glass")
    qs = BreakGlassAccess.objects.select_related("user").order_by("-at", "-id")
    if by is not None:
        qs = qs.filter(user=by)
    if day_from is not None:
        qs = qs.filter(at__gte=start_of_day(day_from))
    if day_to is not None:
        qs = qs.filter(at__lt=start_of_day(day_to + datetime.timedelta(days=1)))
    return qs
