"""Reads of clients and consultations for the client pages, built on the access scoping."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.postgres.expressions import ArraySubquery
from django.db.models import (
    BooleanField,
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    JSONField,
    Lookup,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models import Case as DbCase
from django.db.models.functions import Coalesce, JSONObject, NullIf
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from core import authz
from core.text import search_grams, search_key

from ..models import Case, Client, Consultation, RiskFlag
from ..services.clients import phone_normalise
from .access import (
    _client_scope,
    _own_client_scope,
    break_glass_grants,
    cases_visible_to,
    client_get_for,
    clients_visible_to,
    consultations_visible_to,
)
from .common import flag_in_force_q

SEARCH_LIMIT = 50


class _ILike(Lookup):
    """`col ILIKE pattern` on the bare column, so the trigram GIN index can serve it
    (Django's icontains wraps the column in UPPER(), which the index does not cover)."""

    lookup_name = "ilike"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} ILIKE {rhs}", [*lhs_params, *rhs_params]


def _like_fragment(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def nickname_q(q: str) -> Q:
    """Clients whose nickname contains `q` as a counselor would read it: compared by search
    key (core.text.search_key), so スミレ finds すみれ, ﾕｶﾘ finds ゆかり and ユーカ finds ゆうか.
    Served at every length by the GIN index of the key's 1- and 2-character pieces
    (cases_client_nickname_grams): a fragment of one or two characters is one piece (exact);
    a longer one needs all its 2-character pieces (the index), then the fragment itself (a
    LIKE on the few rows found; Django escapes its wildcards)."""
    key = search_key(q)
    if not key:
        return Q(pk__in=[])
    condition = Q(nickname_grams__contains=search_grams(key))
    if len(key) > 2:
        condition &= Q(nickname_key__contains=key)
    return condition


def search_filter(q: str) -> Q:
    """Nickname fragment (by search key), exact LINE user id, or phone fragment (digits only)."""
    q = (q or "").strip()
    if not q:
        return Q()
    condition = nickname_q(q) | Q(line_user_id=q)
    digits = phone_normalise(q)
    # A phone fragment must be most of what was typed, so "さくら2" does not match every "2".
    if len(digits) >= 3 and len(digits) * 2 >= len(q.replace("-", "").replace(" ", "")):
        condition |= Q(_ILike(F("phone"), Value(_like_fragment(digits))))
    return condition


# Latest contact first, never contacted last: served by the index cases_client_last_contact_idx
# (the client's own last_contact_at, so no subquery per client).
LIST_ORDER = (F("last_contact_at").desc(nulls_last=True), F("id").desc())


def has_risk_annotation():
    """Whether a risk flag is in force for the row's client: a scalar subquery with LIMIT 1,
    which PostgreSQL runs per row through the flag's client index after the page's LIMIT.
    (An EXISTS there becomes a hashed subplan over every flag in force, whatever the page.)"""
    flags = RiskFlag.objects.filter(flag_in_force_q(timezone.now()), client=OuterRef("pk"))
    return Coalesce(
        Subquery(flags.values(x=Value(True))[:1]), Value(False), output_field=BooleanField()
    )


def in_queue_annotation():
    """Whether nobody is assigned to the row's client (per row, like has_risk_annotation)."""
    assigned = Client.counselors.through.objects.filter(client_id=OuterRef("pk"))
    return Coalesce(
        Subquery(assigned.values(x=Value(False))[:1]), Value(True), output_field=BooleanField()
    )


def _with_summary(qs: QuerySet[Client]) -> QuerySet[Client]:
    """Open-case count, risk and queue as per-row subqueries: one query, no N+1, computed for
    the page's rows only. The last contact is the client's own column (last_contact_at)."""
    open_cases = (
        Case.objects.filter(client=OuterRef("pk"))
        .filter(status__in=Case.OPEN_STATUSES)
        .order_by()
        .values("client")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return qs.annotate(
        open_case_count=Coalesce(Subquery(open_cases, output_field=IntegerField()), 0),
        has_risk=has_risk_annotation(),
        in_queue=in_queue_annotation(),
    )


def client_search(user: User, q: str) -> QuerySet[Client]:
    """Search before create: at most 50 visible, unmerged clients matching `q`."""
    if not (q or "").strip():
        return Client.objects.none()
    qs = clients_visible_to(user).exclude(status=Client.Status.MERGED).filter(search_filter(q))
    return _with_summary(qs).order_by(*LIST_ORDER)[:SEARCH_LIMIT]


def client_list(
    user: User,
    *,
    q: str = "",
    ward: str = "",
    status: str = "",
    risk: str = "",
) -> QuerySet[Client]:
    """The client list page: visible clients, filtered; merged ones only when asked for."""
    qs = clients_visible_to(user)
    if q.strip():
        qs = qs.filter(search_filter(q))
    if status:
        qs = qs.filter(status=status)
    else:
        qs = qs.exclude(status=Client.Status.MERGED)
    if ward:
        qs = qs.filter(ward=ward)
    if risk:
        flags = RiskFlag.objects.filter(flag_in_force_q(timezone.now()), client=OuterRef("pk"))
        qs = qs.filter(Exists(flags.filter(kind=risk)))
    return _with_summary(qs).order_by(*LIST_ORDER)


# --- intake: the women outside her scope, as a minimal line ------------------------------


@dataclass(frozen=True)
class IntakeLine:
    """A woman as intake shows her to someone whose scope she is outside: enough to recognise
    her and act (take her on, or open her record by break-glass), nothing of the record: no
    phone, no notes, no flag kind (only that one is in force), no ward or age."""

    pk: int
    nickname: str
    last_contact_at: datetime.datetime | None
    waiting_since: datetime.datetime
    urgent: bool
    in_queue: bool
    in_scope: bool = False

    @classmethod
    def of(cls, client: Client) -> IntakeLine:
        return cls(
            pk=client.pk,
            nickname=client.nickname,
            last_contact_at=client.last_contact_at,
            waiting_since=client.first_contact_at,
            urgent=client.has_risk,
            in_queue=client.in_queue and client.status == Client.Status.ACTIVE,
            in_scope=bool(getattr(client, "in_scope", False)),
        )


_INTAKE_FIELDS = ("pk", "nickname", "last_contact_at", "first_contact_at", "status")


def _in_scope(user: User) -> ExpressionWrapper | Value:
    scope = _client_scope(user)
    if scope is None:
        return Value(True)
    return ExpressionWrapper(scope, output_field=BooleanField())


def _queue_q() -> Q:
    assigned = Client.counselors.through.objects.filter(client_id=OuterRef("pk"))
    return Q(status=Client.Status.ACTIVE) & ~Q(Exists(assigned))


def intake_queue(user: User, *, q: str = "") -> QuerySet[Client]:
    """The intake queue (active, nobody assigned), optionally searched, latest contact first;
    only the fields of an `IntakeLine` are read. Turn a page of it into lines with
    `intake_lines`."""
    authz.require(user, "cases.work_with_clients")
    qs = Client.objects.filter(_queue_q())
    if q.strip():
        qs = qs.filter(search_filter(q))
    return (
        qs.only(*_INTAKE_FIELDS)
        .annotate(has_risk=has_risk_annotation(), in_queue=Value(True), in_scope=_in_scope(user))
        .order_by(*LIST_ORDER)
    )


def intake_lines(clients) -> list[IntakeLine]:
    return [IntakeLine.of(c) for c in clients]


def intake_search(user: User, q: str) -> list[Client | IntakeLine]:
    """Search before create, across every unmerged client so a duplicate is found whoever's
    she is. Her own clients (and those opened by break-glass) come as records with enough to
    recognise her before acting: last contact, ward, age band, risk and open-case count (the
    summary), her counselors' names (`counselor_names`), and the open cases of hers that the
    user may see: how many (`open_cases_seen`) and the latest (`open_case_pk`,
    `open_case_title`). Every other match is an `IntakeLine`. At most 50, one query."""
    if not (q or "").strip():
        authz.require(user, "cases.work_with_clients")
        return []
    results: list[Client | IntakeLine] = []
    for client in intake_search_rows(user, q)[:SEARCH_LIMIT]:
        known = client.recognise
        client.in_scope = known is not None
        if not client.in_scope:
            results.append(IntakeLine.of(client))
            continue
        client.counselor_names = known["counselors"] or []
        client.open_cases_seen = known["cases"] or 0
        client.open_case_pk = known["case_pk"]
        client.open_case_title = known["case_title"] or ""
        results.append(client)
    return results


def intake_search_rows(user: User, q: str) -> QuerySet[Client]:
    """The rows behind `intake_search`, latest contact first (for it, and for the benchmark's
    EXPLAIN). `recognise` holds her counselors' names and latest visible open case for a
    client in the user's scope, and is NULL for any other: what is not hers is never read. It
    is one value so that the scope is evaluated once per query, not once per column."""
    authz.require(user, "cases.work_with_clients")
    qs = Client.objects.exclude(status=Client.Status.MERGED).filter(search_filter(q))
    counselor_names = ArraySubquery(
        User.objects.filter(assigned_clients=OuterRef("pk"))
        .annotate(name=Coalesce(NullIf("display_name", Value("")), "username"))
        .order_by("name", "pk")
        .values("name")
    )
    # Only a case she may see: a client on whose one case she works may have others.
    open_case = (
        cases_visible_to(user)
        .filter(client=OuterRef("pk"), status__in=Case.OPEN_STATUSES)
        .order_by("-opened_at", "-pk")
    )
    open_count = open_case.order_by().values("client").annotate(n=Count("pk")).values("n")
    recognise = JSONObject(
        counselors=counselor_names,
        cases=Subquery(open_count),
        case_pk=Subquery(open_case.values("pk")[:1]),
        case_title=Subquery(open_case.values("title")[:1]),
    )
    scope = _client_scope(user)
    if scope is not None:
        recognise = DbCase(
            When(scope, then=recognise), default=Value(None), output_field=JSONField()
        )
    return _with_summary(qs).annotate(recognise=recognise).order_by(*LIST_ORDER)


def intake_line_get_for(user: User, pk: object) -> IntakeLine:
    """One woman's intake line, for the break-glass and take-on steps: any unmerged client
    (intake may find any of them), 404 for a merged or missing one and for whoever does not
    work with clients."""
    authz.require(user, "cases.work_with_clients")
    qs = (
        Client.objects.exclude(status=Client.Status.MERGED)
        .only(*_INTAKE_FIELDS)
        .annotate(
            has_risk=has_risk_annotation(),
            in_queue=in_queue_annotation(),
            in_scope=_in_scope(user),
        )
    )
    return IntakeLine.of(authz.get_or_deny(qs, pk))


def queued_client_get_for(user: User, pk: object) -> Client:
    """A client of the intake queue, to be taken on: 404 once anyone is assigned to her."""
    authz.require(user, "cases.work_with_clients")
    return authz.get_or_deny(Client.objects.filter(_queue_q()), pk)


def client_detail_get_for(user: User, pk: int) -> Client:
    """The client with everything her page shows, fetched in a fixed number of queries."""
    authz.require(user, "cases.work_with_clients")
    qs = clients_visible_to(user)
    if not authz.is_supervisor(user):
        # The end of her break-glass grant, for the page's banner: none when she is hers
        # anyway (taken on since, or on her case).
        granted = break_glass_grants(user, client_ref=OuterRef("pk")).order_by("-expires_at")
        qs = qs.annotate(
            break_glass_until=DbCase(
                When(_own_client_scope(user), then=Value(None)),
                default=Subquery(granted.values("expires_at")[:1]),
                output_field=DateTimeField(),
            )
        )
    qs = qs.select_related("merged_into", "consent_recorded_by", "created_by").prefetch_related(
        "counselors",
        Prefetch(
            "risk_flags",
            queryset=RiskFlag.objects.filter(flag_in_force_q(timezone.now())).select_related(
                "set_by"
            ),
            to_attr="active_risk_flags",
        ),
        Prefetch(
            "consultations",
            queryset=Consultation.objects.select_related("recorded_by", "opening", "case")
            .prefetch_related("counselors")
            .order_by("-started_at", "-id"),
        ),
        Prefetch(
            "cases",
            queryset=Case.objects.prefetch_related("counselors").order_by("-opened_at", "-id"),
        ),
    )
    return authz.get_or_deny(qs, pk)


def client_for_page(user: User, pk: int, *, unmerged: bool = False) -> Client:
    """A visible client for pages that show only her profile (404 otherwise). `unmerged`:
    404 for a record merged into another too, for pages that write to her."""
    authz.require(user, "cases.work_with_clients")
    client = client_get_for(user, pk)
    if unmerged and client.status == Client.Status.MERGED:
        raise Http404
    return client


def consultation_detail_get_for(user: User, pk: int) -> Consultation:
    authz.require(user, "cases.work_with_clients")
    return authz.get_or_deny(
        consultations_visible_to(user).select_related("case").prefetch_related("counselors"), pk
    )


def open_cases_for(client: Client) -> QuerySet[Case]:
    return Case.objects.filter(client=client).filter(status__in=Case.OPEN_STATUSES)
