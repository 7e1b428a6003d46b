"""Reads of sessions and expert days, scoped to the user.

Who sees what:
- counselors, coordinators and supervisors see every session and expert day (they are the
  programme's public plan); a registration or a booking shows the woman's name only to those
  who may see her (`cases.view_client`), the others a count;
- an expert sees her own days, the women booked with her, the referral notes and the records
  she made; nothing else of them (`expert_bookings_for`), and no session.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Count, Exists, F, Min, OuterRef, Prefetch, Q, QuerySet, Sum

from accounts.models import User
from cases.models import Client, Consultation
from cases.selectors import clients_visible_to
from core import authz
from core.time import start_of_day

from .models import ExpertBooking, ExpertDay, ExpertSlot, PeerSession, SessionRegistration

LIVE_BOOKING = ~Q(status=ExpertBooking.Status.CANCELLED)


def _period(start: datetime.date | None, end: datetime.date | None, field: str) -> Q:
    q = Q()
    if start is not None:
        q &= Q(**{f"{field}__gte": start_of_day(start)})
    if end is not None:
        q &= Q(**{f"{field}__lt": start_of_day(end + datetime.timedelta(days=1))})
    return q


# --- peer sessions --------------------------------------------------------------------------


def sessions_visible_to(user: User) -> QuerySet[PeerSession]:
    if not authz.can(user, "activities.view_sessions"):
        return PeerSession.objects.none()
    return PeerSession.objects.annotate(
        registered=Count(
            "registrations",
            filter=~Q(registrations__status=SessionRegistration.Status.WITHDRAWN),
            distinct=True,
        )
        + F("anonymous_registered"),
        attended=Count(
            "registrations",
            filter=Q(registrations__status=SessionRegistration.Status.ATTENDED),
            distinct=True,
        )
        + F("anonymous_attended"),
    )


def session_list(
    user: User, *, start: datetime.date | None = None, end: datetime.date | None = None
) -> QuerySet[PeerSession]:
    """Sessions of a period with their head counts, in one query."""
    return (
        sessions_visible_to(user)
        .filter(_period(start, end, "starts_at"))
        .order_by("starts_at", "pk")
    )


def session_get_for(user: User, pk: object) -> PeerSession:
    return authz.get_or_deny(sessions_visible_to(user).prefetch_related("facilitators"), pk)


def session_registrations(user: User, session: PeerSession) -> dict[str, Any]:
    """The registrations of a session she may name (her clients; a supervisor all), and how
    many others there are. Three queries."""
    rows = list(
        session.registrations.exclude(status=SessionRegistration.Status.WITHDRAWN)
        .filter(client__in=clients_visible_to(user).values("pk"))
        .select_related("client", "registered_by")
        .order_by("registered_at", "pk")
    )
    if not authz.can(user, "activities.register_clients"):
        rows = []
    others = (
        session.registrations.exclude(status=SessionRegistration.Status.WITHDRAWN)
        .exclude(pk__in=[r.pk for r in rows])
        .count()
    )
    return {"mine": rows, "others": others}


def registrable_clients(user: User, session: PeerSession) -> QuerySet[Client]:
    """Her clients not yet registered for the session, to choose from."""
    if not authz.can(user, "activities.register_clients"):
        return Client.objects.none()
    taken = session.registrations.exclude(status=SessionRegistration.Status.WITHDRAWN)
    return (
        clients_visible_to(user)
        .filter(status=Client.Status.ACTIVE)
        .exclude(pk__in=taken.values("client_id"))
        .order_by("nickname", "pk")
    )


def registration_get_for(user: User, pk: object) -> SessionRegistration:
    if not authz.can(user, "activities.register_clients"):
        return authz.get_or_deny(SessionRegistration.objects.none(), pk)
    return authz.get_or_deny(
        SessionRegistration.objects.filter(
            client__in=clients_visible_to(user).values("pk")
        ).select_related("session", "client"),
        pk,
    )


# --- expert days ----------------------------------------------------------------------------


def expert_days_visible_to(user: User) -> QuerySet[ExpertDay]:
    """The team sees every day; an expert (who does no casework) her own."""
    qs = ExpertDay.objects.select_related("expert").annotate(
        slot_count=Count("slots", distinct=True),
        booked_count=Count(
            "slots__bookings", filter=~Q(slots__bookings__status="cancelled"), distinct=True
        ),
    )
    if authz.can(user, "activities.view_sessions"):
        return qs
    if authz.is_expert(user):
        return qs.filter(expert=user)
    return qs.none()


def expert_day_list(
    user: User, *, start: datetime.date | None = None, end: datetime.date | None = None
) -> QuerySet[ExpertDay]:
    return (
        expert_days_visible_to(user)
        .filter(_period(start, end, "starts_at"))
        .order_by("starts_at", "pk")
    )


def expert_days_on(day: datetime.date) -> QuerySet[ExpertDay]:
    """The expert days (not cancelled) that start on the Tokyo day `day`, with their expert:
    the days a LINE conversation may be routed to (the rule, not a page: no user scope)."""
    return (
        ExpertDay.objects.select_related("expert")
        .filter(_period(day, day, "starts_at"))
        .exclude(status=ExpertDay.Status.CANCELLED)
        .order_by("starts_at", "pk")
    )


def expert_booking_on(day: ExpertDay, client_id: int) -> ExpertBooking | None:
    """Her booking on the day not yet recorded otherwise (booked, or recorded already), if
    any: what a conversation routed to the day's expert is linked to."""
    return (
        ExpertBooking.objects.filter(
            slot__day=day,
            client_id=client_id,
            status__in=[ExpertBooking.Status.BOOKED, ExpertBooking.Status.RECORDED],
        )
        .order_by("slot__starts_at", "pk")
        .first()
    )


def expert_day_get_for(user: User, pk: object) -> ExpertDay:
    return authz.get_or_deny(expert_days_visible_to(user), pk)


def day_slots(user: User, day: ExpertDay) -> list[ExpertSlot]:
    """The day's slots, each with `booking` (its live booking, or None) and `named` (whether
    she may see who it is: the expert of the day, the counselor who may see the client).
    Three queries."""
    visible_clients = set()
    is_day_expert = authz.is_expert(user) and day.expert_id == user.pk
    if authz.can(user, "activities.book_experts"):
        visible_clients = set(
            clients_visible_to(user)
            .filter(expert_bookings__slot__day=day)
            .values_list("pk", flat=True)
        )
    slots = list(
        day.slots.prefetch_related(
            Prefetch(
                "bookings",
                queryset=ExpertBooking.objects.filter(LIVE_BOOKING).select_related(
                    "client", "booked_by", "consultation"
                ),
                to_attr="live",
            )
        ).order_by("starts_at", "pk")
    )
    for slot in slots:
        slot.booking = slot.live[0] if slot.live else None
        slot.named = slot.booking is not None and (
            is_day_expert or slot.booking.client_id in visible_clients
        )
    return slots


def expert_bookings_for(user: User) -> QuerySet[ExpertBooking]:
    """The bookings an expert sees: those on her own days (the woman, the note, her record).
    The team sees the bookings of the women she may see."""
    qs = ExpertBooking.objects.select_related(
        "slot__day__expert", "client", "booked_by", "consultation", "followup"
    )
    if authz.is_expert(user) and not authz.can(user, "cases.work_with_clients"):
        return qs.filter(slot__day__expert=user)
    if authz.can(user, "activities.book_experts"):
        if authz.is_supervisor(user):
            return qs
        return qs.filter(client__in=clients_visible_to(user).values("pk"))
    return qs.none()


def expert_booking_get_for(user: User, pk: object) -> ExpertBooking:
    return authz.get_or_deny(expert_bookings_for(user), pk)


def expert_own_bookings(user: User, *, day: ExpertDay | None = None) -> QuerySet[ExpertBooking]:
    """Her bookings (an expert's page): live ones, by time."""
    if not authz.is_expert(user):
        return ExpertBooking.objects.none()
    qs = expert_bookings_for(user).filter(LIVE_BOOKING, slot__day__expert=user)
    if day is not None:
        qs = qs.filter(slot__day=day)
    return qs.order_by("slot__starts_at", "pk")


def free_slots(user: User, day: ExpertDay, now: datetime.datetime) -> QuerySet[ExpertSlot]:
    if not authz.can(user, "activities.book_experts"):
        return ExpertSlot.objects.none()
    taken = ExpertBooking.objects.filter(LIVE_BOOKING, slot=OuterRef("pk"))
    return day.slots.filter(~Exists(taken), starts_at__gt=now).order_by("starts_at")


def bookable_clients(user: User) -> QuerySet[Client]:
    if not authz.can(user, "activities.book_experts"):
        return Client.objects.none()
    return clients_visible_to(user).filter(status=Client.Status.ACTIVE).order_by("nickname", "pk")


def expert_client_scope(user: User) -> Q | None:
    """The women booked with her (a live booking on one of her days), for an expert: the
    `core.registry.client_scopes` entry. The case pages still refuse her (she does no
    casework); this lets her own pages name the woman."""
    if not authz.is_expert(user):
        return None
    booked = ExpertBooking.objects.filter(LIVE_BOOKING, slot__day__expert_id=user.pk)
    return Q(pk__in=booked.values("client_id"))


# --- the report's figures -------------------------------------------------------------------


def report_numbers(start: datetime.date | None, end: datetime.date | None) -> dict[str, int]:
    """The yearly report's figures for a period (Tokyo days, both ends included).

    - `expert.<kind>.sessions`: expert days held (not cancelled, status held) that start in
      the period; `expert.<kind>.consultations`: consultations of kind legal / health that
      start in the period (every one, however booked);
    - `peer_support.sessions`: sessions held in the period; `peer_support.participants`: the
      sum of attendance (linked women present plus anonymous head counts);
      `peer_support.distinct_participants`: different linked women present plus the anonymous
      head counts (an anonymous participant cannot be told apart, each counts once);
      `peer_support.first_time_participants`: linked women whose first attendance ever falls
      in the period; `peer_support.anonymous_participants`: the head counts alone.

    Five queries, whatever the size of the period.
    """
    days = {
        row["kind"]: row["n"]
        for row in ExpertDay.objects.filter(
            _period(start, end, "starts_at"), status=ExpertDay.Status.HELD
        )
        .order_by()
        .values("kind")
        .annotate(n=Count("pk"))
    }
    consultations = {
        row["kind"]: row["n"]
        for row in Consultation.objects.filter(
            _period(start, end, "started_at"),
            kind__in=[Consultation.Kind.LEGAL, Consultation.Kind.HEALTH],
        )
        .order_by()
        .values("kind")
        .annotate(n=Count("pk"))
    }
    held = PeerSession.objects.filter(
        _period(start, end, "starts_at"), status=PeerSession.Status.HELD
    )
    sessions = held.aggregate(n=Count("pk"), anonymous=Sum("anonymous_attended"))
    attended = SessionRegistration.objects.filter(
        status=SessionRegistration.Status.ATTENDED, session__in=held.values("pk")
    ).aggregate(n=Count("pk"), distinct=Count("client_id", distinct=True))
    firsts = (
        SessionRegistration.objects.filter(
            status=SessionRegistration.Status.ATTENDED, session__status=PeerSession.Status.HELD
        )
        .order_by()
        .values("client_id")
        .annotate(first=Min("session__starts_at"))
        .filter(_period(start, end, "first"))
        .count()
    )
    anonymous = sessions["anonymous"] or 0
    return {
        "expert.legal.sessions": days.get(ExpertDay.Kind.LEGAL, 0),
        "expert.legal.consultations": consultations.get(Consultation.Kind.LEGAL, 0),
        "expert.health.sessions": days.get(ExpertDay.Kind.HEALTH, 0),
        "expert.health.consultations": consultations.get(Consultation.Kind.HEALTH, 0),
        "peer_support.sessions": sessions["n"],
        "peer_support.participants": attended["n"] + anonymous,
        "peer_support.distinct_participants": attended["distinct"] + anonymous,
        "peer_support.first_time_participants": firsts,
        "peer_support.anonymous_participants": anonymous,
    }
