"""Fixtures of the activities tests: her client, a session and an expert day ahead, a booking."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone, translation

from accounts.tests.factories import UserFactory
from activities import services
from activities.models import ExpertDay, ExpertSlot, PeerSession
from cases.tests.factories import ClientFactory
from core.roles import Role
from core.time import local_date, local_datetime


@pytest.fixture(autouse=True)
def _messages_in_english():
    with translation.override("en"):
        yield


def days_ahead(n: int, hour: int = 14) -> datetime.datetime:
    return local_datetime(
        local_date(timezone.now()) + datetime.timedelta(days=n), datetime.time(hour)
    )


@pytest.fixture
def her_client(counselor):
    return ClientFactory(counselors=[counselor], created_by=counselor, nickname="ゆき")


@pytest.fixture
def second_client(counselor):
    return ClientFactory(counselors=[counselor], created_by=counselor, nickname="はな")


@pytest.fixture
def colleagues_client(colleague):
    return ClientFactory(counselors=[colleague], created_by=colleague, nickname="もも")


@pytest.fixture
def session(coordinator) -> PeerSession:
    start = days_ahead(5, 13)
    return services.session_create(
        by=coordinator,
        title="パステルアート",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        venue="区民センター",
        online=False,
        peer_supporters="M",
        capacity=3,
        materials="パステル",
        notes="",
    )


@pytest.fixture
def other_expert(db):
    return UserFactory(username="expert_other", roles=[Role.EXPERT])


@pytest.fixture
def legal_day(coordinator, expert) -> ExpertDay:
    start = days_ahead(3, 13)
    return services.expert_day_create(
        kind=ExpertDay.Kind.LEGAL,
        expert=expert,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=3),
        slot_minutes=50,
        by=coordinator,
    )


@pytest.fixture
def first_slot(legal_day) -> ExpertSlot:
    return legal_day.slots.order_by("starts_at").first()


@pytest.fixture
def booking(first_slot, her_client, counselor):
    return services.expert_book(
        slot=first_slot, client=her_client, referral_note="離婚と養育費について", by=counselor
    )


def move_to_past(day_or_session, hours: int = 48) -> None:
    """Shift a day (with its slots) or a session into the past, as if time had passed."""
    shift = datetime.timedelta(hours=hours) + (day_or_session.starts_at - timezone.now())
    model = type(day_or_session)
    model.objects.filter(pk=day_or_session.pk).update(
        starts_at=day_or_session.starts_at - shift, ends_at=day_or_session.ends_at - shift
    )
    if isinstance(day_or_session, ExpertDay):
        for slot in day_or_session.slots.all():
            ExpertSlot.objects.filter(pk=slot.pk).update(
                starts_at=slot.starts_at - shift, ends_at=slot.ends_at - shift
            )
    day_or_session.refresh_from_db()
