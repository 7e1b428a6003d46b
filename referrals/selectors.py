"""Reads of the referrals app, scoped to the user.

- a supervisor sees every referral, accompaniment, meeting note and provision record;
- a counselor sees those of the cases she may see (`cases.selectors.cases_visible_to`);
- a coordinator sees the partner directory and aggregate counts only;
- an expert sees nothing of referrals.
"""

from __future__ import annotations

import datetime
import statistics
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from accounts.models import User
from cases.models import Case, Client
from cases.privacy import family_of
from cases.selectors import cases_visible_to, clients_visible_to
from core import authz
from core.time import start_of_day

from .models import (
    Accompaniment,
    Consent,
    CoordinationMeeting,
    MeetingCase,
    Partner,
    ProvisionRecord,
    Referral,
    ReferralTransition,
)


def _period(start: datetime.date | None, end: datetime.date | None) -> tuple[Any, Any]:
    """[start of `start`, start of the day after `end`) in Tokyo; either may be open."""
    low = start_of_day(start) if start is not None else None
    high = start_of_day(end + datetime.timedelta(days=1)) if end is not None else None
    return low, high


def _in_period(field: str, start, end) -> Q:
    low, high = _period(start, end)
    q = Q()
    if low is not None:
        q &= Q(**{f"{field}__gte": low})
    if high is not None:
        q &= Q(**{f"{field}__lt": high})
    return q


def _scoped_by_case(user: User, qs: QuerySet) -> QuerySet:
    if not authz.can(user, "referrals.work_with_referrals"):
        return qs.none()
    if authz.is_supervisor(user):
        return qs
    return qs.filter(case__in=cases_visible_to(user).values("pk"))


# --- the directory ---------------------------------------------------------------------------


def partners_for(
    user: User,
    *,
    kind: str | None = None,
    ward: str | None = None,
    service: str | None = None,
    active_only: bool = True,
) -> QuerySet[Partner]:
    """The directory, filtered by kind, ward and a service (served by the services GIN
    index); none for those who may not read it."""
    qs = Partner.objects.order_by("kind", "name", "pk")
    if not authz.can(user, "referrals.view_partners"):
        return qs.none()
    if active_only:
        qs = qs.filter(is_active=True)
    if kind:
        qs = qs.filter(kind=kind)
    if ward:
        qs = qs.filter(ward=ward)
    if service:
        qs = qs.filter(services__contains=[service])
    return qs


def partner_get_for(user: User, pk: object) -> Partner:
    return authz.get_or_deny(partners_for(user, active_only=False), pk)


# --- referrals -------------------------------------------------------------------------------


def referrals_visible_to(user: User) -> QuerySet[Referral]:
    qs = Referral.objects.select_related("case", "client", "partner", "created_by")
    return _scoped_by_case(user, qs)


def referral_get_for(user: User, pk: object) -> Referral:
    return authz.get_or_deny(
        referrals_visible_to(user).prefetch_related(
            Prefetch("transitions", ReferralTransition.objects.select_related("by"))
        ),
        pk,
    )


def referral_board(user: User) -> dict[str, list[Referral]]:
    """Her referrals by status ({status: [referral, ...]}, every status present), newest
    first. One query. A counselor's board holds the referrals of her cases."""
    board: dict[str, list[Referral]] = {status: [] for status in Referral.Status.values}
    for referral in referrals_visible_to(user).order_by("-created_at", "-pk"):
        board[referral.status].append(referral)
    return board


def case_referrals(user: User, case: Case) -> QuerySet[Referral]:
    return referrals_visible_to(user).filter(case=case).order_by("-created_at", "-pk")


def partner_referral_counts(partner: Partner) -> dict[str, int]:
    """How many referrals to this partner are in each status: counts only, no case content,
    so whoever may read the directory may see them. One query."""
    rows = (
        Referral.objects.filter(partner=partner).order_by().values("status").annotate(n=Count("pk"))
    )
    return {row["status"]: row["n"] for row in rows}


def partner_history(user: User, partner: Partner) -> QuerySet[Referral]:
    """The referrals to this partner that she may see, newest first."""
    return referrals_visible_to(user).filter(partner=partner).order_by("-created_at", "-pk")


def consents_for(user: User, client: Client) -> QuerySet[Consent]:
    """Her consents to sharing, newest first, for whoever may see her record."""
    qs = Consent.objects.filter(client_id__in=family_of(client)).select_related("recorded_by")
    if not (
        authz.can(user, "referrals.work_with_referrals")
        and authz.can(user, "cases.view_client", client)
    ):
        return qs.none()
    return qs.order_by("-given_at", "-pk")


def consent_get_for(user: User, pk: object) -> Consent:
    """A consent of a client she may see and work with the referrals of; else 404."""
    if not authz.can(user, "referrals.work_with_referrals"):
        return authz.get_or_deny(Consent.objects.none(), pk)
    return authz.get_or_deny(
        Consent.objects.filter(client__in=clients_visible_to(user)).select_related("client"), pk
    )


def consents_covering(user: User, client: Client, items) -> QuerySet[Consent]:
    """Her consents in force that cover every one of `items`, newest first."""
    return consents_for(user, client).filter(withdrawn_at__isnull=True, scope__contains=list(items))


def consent_covering(user: User, client: Client, items) -> Consent | None:
    """Her latest consent in force that covers every one of `items`; None if none."""
    return consents_covering(user, client, items).first()


# --- accompaniments and meetings ----------------------------------------------------------------


def accompaniments_visible_to(user: User) -> QuerySet[Accompaniment]:
    qs = Accompaniment.objects.select_related("case", "client", "partner").prefetch_related(
        "counselors"
    )
    return _scoped_by_case(user, qs)


def case_accompaniments(user: User, case: Case) -> QuerySet[Accompaniment]:
    return accompaniments_visible_to(user).filter(case=case).order_by("starts_at", "pk")


def accompaniments_agenda(
    user: User, *, start: datetime.datetime, end: datetime.datetime
) -> QuerySet[Accompaniment]:
    """Her planned accompaniments between two times: those she goes to."""
    return (
        accompaniments_visible_to(user)
        .filter(
            status=Accompaniment.Status.PLANNED,
            starts_at__gte=start,
            starts_at__lt=end,
            counselors=user,
        )
        .order_by("starts_at", "pk")
    )


def meeting_cases_visible_to(user: User) -> QuerySet[MeetingCase]:
    """The women discussed at meetings, with their meeting (its notes included): only the
    rows of cases she may see."""
    qs = MeetingCase.objects.select_related("meeting", "case", "client")
    return _scoped_by_case(user, qs)


def meetings_visible_to(user: User) -> QuerySet[CoordinationMeeting]:
    """Meetings that discussed at least one case she may see. Their notes are about several
    women: a page shows the meeting's own notes, and of the women only her visible rows."""
    visible = meeting_cases_visible_to(user).values("meeting_id")
    return (
        CoordinationMeeting.objects.filter(pk__in=visible)
        .prefetch_related("organisations")
        .order_by("-held_at", "-pk")
    )


# --- provision records (supervisors) ------------------------------------------------------------


def provision_records(
    user: User,
    client: Client | None = None,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
) -> QuerySet[ProvisionRecord]:
    """Every provision of personal data to a third party, newest first, per client (with the
    records merged into hers) and/or per period (Tokyo days, both ends included): for a
    disclosure request. Supervisors only (404 for anyone else)."""
    authz.require(user, "referrals.view_provision_records")
    qs = ProvisionRecord.objects.select_related("client", "by", "partner", "referral", "meeting")
    if client is not None:
        qs = qs.filter(client_id__in=family_of(client))
    return qs.filter(_in_period("provided_at", start, end)).order_by("-provided_at", "-pk")


# --- figures ----------------------------------------------------------------------------------


def referral_summary(start: datetime.date | None, end: datetime.date | None) -> dict[str, Any]:
    """Referrals created in the period, by partner kind × status, and the median days from
    sent to accepted (of those accepted in the period's referrals). Counts only, no case
    content: for supervisors' and coordinators' summaries. Two queries."""
    qs = Referral.objects.filter(_in_period("created_at", start, end))
    by_kind: dict[str, dict[str, int]] = {}
    for row in (
        qs.order_by()
        .values("partner__kind", "status")
        .annotate(n=Count("pk"))
        .order_by("partner__kind", "status")
    ):
        by_kind.setdefault(row["partner__kind"], {})[row["status"]] = row["n"]
    waits = [
        (accepted - sent).total_seconds() / 86400
        for sent, accepted in qs.filter(sent_at__isnull=False, accepted_at__isnull=False)
        .order_by()
        .values_list("sent_at", "accepted_at")
    ]
    return {
        "by_kind": by_kind,
        "total": sum(sum(statuses.values()) for statuses in by_kind.values()),
        "median_days_to_accept": round(statistics.median(waits), 1) if waits else None,
    }


def report_numbers(start: datetime.date | None, end: datetime.date | None) -> dict[str, Any]:
    """The yearly report's figures for a period (Tokyo days, both ends included):
    referrals made (sent in the period), completed (in the period), referrals made by partner
    kind, accompaniments held and meetings held (in the period)."""
    sent = Referral.objects.filter(_in_period("sent_at", start, end), sent_at__isnull=False)
    by_kind = {
        row["partner__kind"]: row["n"]
        for row in sent.order_by().values("partner__kind").annotate(n=Count("pk"))
    }
    return {
        "referrals_made": sum(by_kind.values()),
        "referrals_completed": Referral.objects.filter(
            _in_period("completed_at", start, end),
            status=Referral.Status.COMPLETED,
        ).count(),
        "referrals_by_partner_kind": dict(sorted(by_kind.items())),
        "accompaniments_held": Accompaniment.objects.filter(
            _in_period("starts_at", start, end), status=Accompaniment.Status.HELD
        ).count(),
        "meetings_held": CoordinationMeeting.objects.filter(
            _in_period("held_at", start, end)
        ).count(),
    }
