"""Demo peer-support sessions and expert days of the demo year (FY2022, 令和4年度), at the
report's volumes: 6 pastel-art sessions with 21 attendances, and the 2 legal and 2 health
days whose 23 and 21 consultations the cases seeder made (each becomes a booking into a slot
of that day, recorded by the expert).

Registered as the "activities" demo seeder (`activities/extensions.py`), after the demo staff,
the openings, the clients and the follow-ups. Everything here is invented. The rows are
recognised by their authors (the demo staff) and the demo clients.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Mapping

import pgtrigger
from django.db.models import Model, Q

from accounts.demo import COUNSELORS, HEALTH_EXPERT, LEGAL_EXPERT, demo_users
from cases.demo import demo_clients
from cases.models import Client, Consultation
from core.demo import delete_rows, history_of, trigger_uris
from core.registry import DemoContext
from core.time import TOKYO

from .models import ExpertBooking, ExpertDay, ExpertSlot, PeerSession, SessionRegistration

COORDINATOR = "coordinator1"
# FY2022: six sessions, 21 present in all (linked women and anonymous head counts).
SESSION_DATES = (
    datetime.date(2022, 6, 18),
    datetime.date(2022, 8, 20),
    datetime.date(2022, 10, 15),
    datetime.date(2022, 12, 17),
    datetime.date(2023, 2, 18),
    datetime.date(2023, 3, 18),
)
# (linked women present, anonymous present) per session: 3+4+3+4+3+4 = 21.
PRESENT = ((3, 0), (3, 1), (3, 0), (3, 1), (2, 1), (4, 0))
VENUE = "クレオ大阪中央 研修室（架空）"
NOTES_BY_KIND = {
    ExpertDay.Kind.LEGAL: (
        "離婚と養育費について、弁護士の見立てを聞きたいとのこと。",
        "借金の整理の方法を知りたい。本人は自己破産を心配している。",
        "元交際相手からの連絡が続き、法的にできることを知りたい。",
        "家賃滞納で退去を求められている。",
    ),
    ExpertDay.Kind.HEALTH: (
        "生理不順が続き、受診の目安を知りたい。",
        "妊娠の可能性があり不安。受診先を一緒に考えたい。",
        "眠れない日が続いている。からだの不調について相談したい。",
        "避妊について正しい情報を知りたい。",
    ),
}


def _counselor_of(client_ids: list[int]) -> dict[int, int]:
    """Her first assigned counselor, for those who have one."""
    rows = (
        Client.counselors.through.objects.filter(client_id__in=client_ids)
        .order_by("client_id", "user_id")
        .values_list("client_id", "user_id")
    )
    found: dict[int, int] = {}
    for client_id, user_id in rows:
        found.setdefault(client_id, user_id)
    return found


def seed(ctx: DemoContext) -> Mapping[str, int]:
    users: Mapping[str, int] = ctx.shared["users"]
    rng = random.Random(f"{ctx.seed}:activities")
    coordinator = users.get(COORDINATOR) or users[COUNSELORS[0]]
    counselor_ids = [users[name] for name in COUNSELORS]
    experts = {
        ExpertDay.Kind.LEGAL: users[LEGAL_EXPERT],
        ExpertDay.Kind.HEALTH: users[HEALTH_EXPERT],
    }
    counts = {"peer sessions": 0, "attendances": 0, "expert days": 0, "expert bookings": 0}
    with pgtrigger.ignore(*trigger_uris(*tables())):
        # Expert days: one per opening of the legal / health channel the consultations used.
        consultations = list(
            Consultation.objects.filter(
                client__in=demo_clients(),
                kind__in=[Consultation.Kind.LEGAL, Consultation.Kind.HEALTH],
            )
            .exclude(opening=None)
            .select_related("opening")
            .order_by("started_at", "pk")
        )
        counselor_of = _counselor_of(sorted({c.client_id for c in consultations}))
        by_opening: dict[int, list[Consultation]] = {}
        for c in consultations:
            by_opening.setdefault(c.opening_id, []).append(c)
        for rows in by_opening.values():
            opening = rows[0].opening
            kind = rows[0].kind
            day = ExpertDay.objects.create(
                kind=kind,
                expert_id=experts[kind],
                starts_at=opening.starts_at,
                ends_at=opening.ends_at,
                status=ExpertDay.Status.HELD,
                created_by_id=coordinator,
                created_at=opening.starts_at - datetime.timedelta(days=30),
            )
            counts["expert days"] += 1
            taken: set[datetime.datetime] = set()
            for c in rows:
                start = c.started_at
                while start in taken:  # one slot per start: nudge a shared minute along
                    start += datetime.timedelta(minutes=1)
                taken.add(start)
                slot = ExpertSlot.objects.create(
                    day=day,
                    starts_at=start,
                    ends_at=max(c.ended_at, start + datetime.timedelta(minutes=1)),
                )
                ExpertBooking.objects.create(
                    slot=slot,
                    client_id=c.client_id,
                    referral_note=rng.choice(NOTES_BY_KIND[kind]),
                    booked_by_id=counselor_of.get(c.client_id) or rng.choice(counselor_ids),
                    booked_at=start - datetime.timedelta(days=rng.randint(2, 10)),
                    status=ExpertBooking.Status.RECORDED,
                    consultation=c,
                )
                counts["expert bookings"] += 1

        # Peer sessions: women who have a counselor, some of them coming more than once.
        with_counselor = _counselor_of(
            list(
                demo_clients()
                .filter(status=Client.Status.ACTIVE)
                .exclude(counselors=None)
                .order_by("pk")
                .values_list("pk", flat=True)[:400]
            )
        )
        pool = sorted(with_counselor)
        regulars = rng.sample(pool, k=min(5, len(pool)))
        for round_ in range(ctx.scale):
            for date, (linked, anonymous) in zip(SESSION_DATES, PRESENT, strict=True):
                starts = datetime.datetime.combine(date, datetime.time(13, 30), tzinfo=TOKYO)
                starts += datetime.timedelta(days=round_ % 7, weeks=round_ // 7)
                session = PeerSession.objects.create(
                    title="パステルアート",
                    starts_at=starts,
                    ends_at=starts + datetime.timedelta(hours=2),
                    venue=VENUE,
                    peer_supporters="ピアサポーター M、K",
                    capacity=8,
                    materials="パステル、画用紙、ティッシュ、ウェットティッシュ",
                    anonymous_registered=anonymous,
                    anonymous_attended=anonymous,
                    status=PeerSession.Status.HELD,
                    created_by_id=coordinator,
                    created_at=starts - datetime.timedelta(days=30),
                )
                session.facilitators.set([coordinator])
                present = set(rng.sample(regulars, k=min(2, len(regulars))))
                while len(present) < linked and len(present) < len(pool):
                    present.add(rng.choice(pool))
                absent = (
                    rng.choice([p for p in pool if p not in present])
                    if len(pool) > linked
                    else None
                )
                for client_id in sorted(present):
                    SessionRegistration.objects.create(
                        session=session,
                        client_id=client_id,
                        status=SessionRegistration.Status.ATTENDED,
                        registered_by_id=with_counselor[client_id],
                        registered_at=starts - datetime.timedelta(days=rng.randint(3, 14)),
                    )
                if absent is not None:
                    SessionRegistration.objects.create(
                        session=session,
                        client_id=absent,
                        status=SessionRegistration.Status.ABSENT,
                        registered_by_id=with_counselor[absent],
                        registered_at=starts - datetime.timedelta(days=rng.randint(3, 14)),
                    )
                counts["peer sessions"] += 1
                counts["attendances"] += len(present) + anonymous
    return counts


def _sessions():
    return PeerSession.objects.filter(created_by__in=demo_users())


def _days():
    return ExpertDay.objects.filter(created_by__in=demo_users())


def delete(ctx: DemoContext) -> int:
    """The demo staff's sessions and days, with what hangs on them, and the demo clients'
    registrations and bookings elsewhere; their history too."""
    sessions = _sessions()
    days = _days()
    clients = demo_clients()
    registrations = SessionRegistration.objects.filter(
        Q(session__in=sessions) | Q(client__in=clients)
    )
    bookings = ExpertBooking.objects.filter(Q(slot__day__in=days) | Q(client__in=clients))
    # Ids now: the subqueries would find nothing once the rows they read are deleted.
    session_ids = list(sessions.values_list("pk", flat=True))
    day_ids = list(days.values_list("pk", flat=True))
    registration_ids = list(registrations.values_list("pk", flat=True))
    booking_ids = list(bookings.values_list("pk", flat=True))
    registrations = SessionRegistration.objects.filter(pk__in=registration_ids)
    bookings = ExpertBooking.objects.filter(pk__in=booking_ids)
    sessions = PeerSession.objects.filter(pk__in=session_ids)
    days = ExpertDay.objects.filter(pk__in=day_ids)
    with pgtrigger.ignore(*trigger_uris(*tables())):
        return delete_rows(
            history_of(SessionRegistration, registrations),
            registrations,
            history_of(ExpertBooking, bookings),
            bookings,
            ExpertSlot.objects.filter(day__in=days),
            history_of(PeerSession, sessions),
            PeerSession.facilitators.through.objects.filter(peersession__in=sessions),
            sessions,
            history_of(ExpertDay, days),
            days,
        )


def tables() -> tuple[type[Model], ...]:
    return (PeerSession, SessionRegistration, ExpertDay, ExpertSlot, ExpertBooking)
