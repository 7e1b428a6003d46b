"""Expert days on LINE: a conversation routed to the expert of today's expert day (the rules
and their refusals), her inbox scoped to what is routed to her, and closing it into a
consultation of the day's kind, held by her, counted once with the day's figures."""

from __future__ import annotations

import datetime
import itertools

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from activities import services as activity_services
from activities.models import ExpertBooking, ExpertDay, ExpertSlot
from activities.selectors import report_numbers as activity_numbers
from cases.models import Consultation
from cases.selectors.report import report_numbers as case_numbers
from cases.services.clients import client_create
from core.time import local_date, local_datetime
from line.models import Conversation, ConversationEvent, LineUser, Message
from line.services import outbound
from line.services.conversations import conversation_claim, conversation_close
from line.services.experts import conversation_route_to_expert

pytestmark = pytest.mark.django_db

_users = itertools.count(500)


@pytest.fixture(autouse=True)
def _messages_in_english():
    with translation.override("en"):
        yield


def _english(*users) -> None:
    """Her pages in English (a user's pages follow her own language setting)."""
    for user in users:
        user.language = "en"
        user.save(update_fields=["language"])


def make_conversation(*, minutes_ago: int = 10, text: str = "相談です") -> Conversation:
    n = next(_users)
    at = timezone.now() - datetime.timedelta(minutes=minutes_ago)
    client = client_create(nickname=f"LINE-E{n:04d}", line_user_id="", by=None)
    line_user = LineUser.objects.create(line_user_id=f"U{n:032x}", client=client, is_friend=True)
    conversation = Conversation.objects.create(
        line_user=line_user, client=client, opened_at=at, last_message_at=at, last_incoming_at=at
    )
    Message.objects.create(
        conversation=conversation, direction="in", text=text, sent_at=at, status="received"
    )
    return conversation


def expert_day(expert, by, *, days: int = 0, kind: str = ExpertDay.Kind.LEGAL) -> ExpertDay:
    """A day of `expert`, `days` from today, from 00:05 to 23:05 in Tokyo (today's is on
    whenever the test runs)."""
    day = local_date(timezone.now()) + datetime.timedelta(days=days)
    return activity_services.expert_day_create(
        kind=kind,
        expert=expert,
        starts_at=local_datetime(day, datetime.time(0, 5)),
        ends_at=local_datetime(day, datetime.time(23, 5)),
        slot_minutes=60,
        by=by,
    )


def book(day: ExpertDay, conversation: Conversation, counselor) -> ExpertBooking:
    """Her booking on the day (made as the booking service leaves it; today's slots may have
    begun already, which the service refuses to book)."""
    slot = ExpertSlot.objects.filter(day=day).order_by("starts_at").first()
    return ExpertBooking.objects.create(
        slot=slot, client=conversation.client, referral_note="養育費について", booked_by=counselor
    )


@pytest.fixture
def today(expert, coordinator) -> ExpertDay:
    return expert_day(expert, coordinator)


@pytest.fixture
def other_expert(db):
    from accounts.tests.factories import UserFactory
    from core.roles import Role

    return UserFactory(username="expert_other", roles=[Role.EXPERT])


# --- the service's rules ------------------------------------------------------------------


def test_routing_is_refused_on_a_day_without_an_expert_day(counselor, expert, coordinator):
    expert_day(expert, coordinator, days=3)  # her day is later, not today
    conversation = make_conversation()
    with pytest.raises(ValidationError) as refused:
        conversation_route_to_expert(conversation=conversation, expert=expert, by=counselor)
    assert refused.value.code == "no_expert_day"
    assert "There is no expert day today" in " ".join(refused.value.messages)
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.WAITING and conversation.expert_day is None


def test_routing_to_another_expert_than_todays_is_refused(counselor, today, other_expert):
    conversation = make_conversation()
    with pytest.raises(ValidationError) as refused:
        conversation_route_to_expert(conversation=conversation, expert=other_expert, by=counselor)
    assert "is not the expert of today's expert day" in " ".join(refused.value.messages)
    assert not conversation.events.filter(kind=ConversationEvent.Kind.ROUTED).exists()


def test_only_counselors_and_supervisors_route_and_only_what_they_hold(
    today, expert, coordinator, counselor, colleague
):
    conversation = make_conversation()
    for who in (expert, coordinator):
        with pytest.raises(PermissionDenied):
            conversation_route_to_expert(conversation=conversation, expert=expert, by=who)
    conversation_claim(conversation=conversation, by=counselor)
    with pytest.raises(PermissionDenied):
        conversation_route_to_expert(conversation=conversation, expert=expert, by=colleague)


def test_a_claimed_conversation_goes_to_todays_expert_with_an_audit_row(counselor, today, expert):
    conversation = make_conversation()
    conversation_claim(conversation=conversation, by=counselor)
    conversation_route_to_expert(conversation=conversation, expert=expert, by=counselor)
    conversation.refresh_from_db()
    assert conversation.status == Conversation.Status.OPEN
    assert conversation.assigned_to == expert
    assert conversation.expert_day == today and conversation.expert_booking is None
    event = conversation.events.get(kind=ConversationEvent.Kind.ROUTED)
    assert event.by == counselor and event.before == str(counselor.pk)
    assert event.after == f"{expert.pk}:{today.pk}"
    with pytest.raises(ValidationError) as again:
        conversation_route_to_expert(conversation=conversation, expert=expert, by=counselor)
    assert again.value.code == "already_routed"


# --- the expert's inbox: only what is routed to her -----------------------------------------


def test_the_experts_inbox_holds_only_the_conversations_routed_to_her(
    client, counselor, supervisor, today, expert, other_expert, coordinator
):
    routed = make_conversation(text="離婚の相談です")
    waiting = make_conversation(text="順番待ちの相談")
    claimed = make_conversation(text="相談員と話しています")
    conversation_claim(conversation=claimed, by=counselor)
    conversation_route_to_expert(conversation=routed, expert=expert, by=counselor)

    _english(expert)

    client.force_login(expert)
    inbox = client.get(reverse("line:inbox"))
    assert inbox.status_code == 200
    assert inbox.context["tabs"] == ("mine", "resolved") and inbox.context["tab"] == "mine"
    assert [c.pk for c in inbox.context["rows"]] == [routed.pk]
    assert inbox.context["counts"]["waiting"] == 0
    assert client.get(reverse("line:inbox") + "?tab=waiting").context["tab"] == "mine"
    page = client.get(reverse("line:conversation", args=[routed.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "離婚の相談です" in html and 'id="case-summary"' not in html
    assert reverse("line:escalate", args=[routed.pk]) not in html
    for other in (waiting, claimed):
        assert client.get(reverse("line:conversation", args=[other.pk])).status_code == 404
        assert client.get(reverse("line:history", args=[other.pk])).status_code == 404
        assert client.post(reverse("line:claim", args=[other.pk])).status_code == 404
        assert (
            client.post(
                reverse("line:reply", args=[other.pk]), {"reply-text": "こんにちは"}
            ).status_code
            == 404
        )

    # Another expert sees nothing of it; the team still does.
    _english(other_expert)
    client.force_login(other_expert)
    assert client.get(reverse("line:conversation", args=[routed.pk])).status_code == 404
    assert list(client.get(reverse("line:inbox")).context["rows"]) == []
    _english(supervisor)
    client.force_login(supervisor)
    assert client.get(reverse("line:conversation", args=[routed.pk])).status_code == 200
    _english(coordinator)
    client.force_login(coordinator)
    assert client.get(reverse("line:inbox")).status_code == 404


def test_routing_is_offered_on_the_page_only_on_an_expert_day_and_only_to_its_expert(
    client, counselor, expert, other_expert, coordinator
):
    conversation = make_conversation()
    _english(counselor)
    client.force_login(counselor)
    page = client.get(reverse("line:conversation", args=[conversation.pk]))
    assert page.context["route_form"] is None and 'id="route-box"' not in page.content.decode()
    expert_day(other_expert, coordinator, days=1)
    day = expert_day(expert, coordinator)
    page = client.get(reverse("line:conversation", args=[conversation.pk]))
    assert list(page.context["route_form"].fields["expert"].queryset) == [expert]
    # A post naming another expert is refused with the service's reason, not a 500.
    refused = client.post(
        reverse("line:route", args=[conversation.pk]), {"route-expert": other_expert.pk}
    )
    assert refused.status_code == 400
    assert "is not the expert of today" in refused.content.decode()
    done = client.post(reverse("line:route", args=[conversation.pk]), {"route-expert": expert.pk})
    assert done.status_code == 302
    conversation.refresh_from_db()
    assert conversation.expert_day == day


# --- closing: a consultation of the day's kind, held by her, counted once ------------------


def _numbers(day: ExpertDay) -> tuple[int, int, int]:
    on = local_date(day.starts_at)
    cases_part = case_numbers(on, on)
    activities_part = activity_numbers(on, on)
    return (
        cases_part["expert"]["legal"]["consultations"],
        activities_part["expert.legal.consultations"],
        activities_part["expert.legal.sessions"],
    )


def test_closing_records_a_legal_consultation_held_by_the_expert_counted_once(
    counselor, today, expert
):
    conversation = make_conversation(minutes_ago=30)
    conversation_route_to_expert(conversation=conversation, expert=expert, by=counselor)
    outbound.message_compose(conversation=conversation, text="弁護士の山田です。", by=expert)
    conversation_close(
        conversation=conversation,
        outcome=Conversation.Outcome.RESOLVED,
        main_concern=Consultation.MainConcern.FAMILY,
        topics=["debt"],
        options={"skip_survey": True},
        by=expert,
    )
    conversation.refresh_from_db()
    consultation = conversation.consultation
    assert consultation.kind == Consultation.Kind.LEGAL  # not "line"
    assert list(consultation.counselors.all()) == [expert]
    assert consultation.recorded_by == expert
    assert consultation.started_at == conversation.events.get(kind="routed").at
    today.refresh_from_db()
    assert today.status == ExpertDay.Status.HELD
    assert _numbers(today) == (1, 1, 1)
    assert not Consultation.objects.filter(kind=Consultation.Kind.LINE).exists()


def test_her_booking_on_the_day_is_recorded_with_it_and_never_a_second_time(
    counselor, today, expert
):
    conversation = make_conversation(minutes_ago=30)
    booking = book(today, conversation, counselor)
    conversation_route_to_expert(conversation=conversation, expert=expert, by=counselor)
    conversation.refresh_from_db()
    assert conversation.expert_booking == booking
    conversation_close(
        conversation=conversation,
        outcome=Conversation.Outcome.RESOLVED,
        main_concern=Consultation.MainConcern.FAMILY,
        by=expert,
    )
    booking.refresh_from_db()
    conversation.refresh_from_db()
    assert booking.status == ExpertBooking.Status.RECORDED
    assert booking.consultation == conversation.consultation
    with pytest.raises(ValidationError):
        activity_services.expert_consultation_record(
            booking=booking,
            by=expert,
            started_at=timezone.now() - datetime.timedelta(minutes=20),
            ended_at=timezone.now(),
            main_concern="family",
            summary="手で記録",
        )
    assert _numbers(today) == (1, 1, 1)


def test_a_booking_recorded_by_hand_first_is_the_conversations_consultation(
    counselor, today, expert
):
    conversation = make_conversation(minutes_ago=30)
    booking = book(today, conversation, counselor)
    conversation_route_to_expert(conversation=conversation, expert=expert, by=counselor)
    activity_services.expert_consultation_record(
        booking=booking,
        by=expert,
        started_at=timezone.now() - datetime.timedelta(minutes=20),
        ended_at=timezone.now(),
        main_concern="family",
        summary="手で記録",
    )
    conversation_close(
        conversation=conversation,
        outcome=Conversation.Outcome.RESOLVED,
        main_concern=Consultation.MainConcern.FAMILY,
        by=expert,
    )
    booking.refresh_from_db()
    conversation.refresh_from_db()
    assert conversation.consultation == booking.consultation
    assert Consultation.objects.filter(kind=Consultation.Kind.LEGAL).count() == 1
    assert _numbers(today) == (1, 1, 1)


def test_the_expert_closes_only_what_is_routed_to_her(counselor, today, expert):
    conversation = make_conversation()
    conversation_claim(conversation=conversation, by=counselor)
    with pytest.raises(PermissionDenied):
        conversation_close(
            conversation=conversation, outcome="resolved", main_concern="family", by=expert
        )
