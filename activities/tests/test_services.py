"""The services of sessions and expert days: rules, refusals, reminders and the records."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from activities import services
from activities.models import ExpertBooking, ExpertDay, PeerSession, SessionRegistration
from activities.selectors import report_numbers
from cases.models import Consultation
from core.time import local_date
from followups.models import FollowUp

from .conftest import days_ahead, move_to_past

pytestmark = pytest.mark.django_db


# --- sessions ---------------------------------------------------------------------------------


def test_only_coordinators_and_supervisors_plan_sessions(counselor, expert):
    start = days_ahead(2)
    for who in (counselor, expert):
        with pytest.raises(PermissionDenied):
            services.session_create(
                by=who,
                title="x",
                starts_at=start,
                ends_at=start + datetime.timedelta(hours=1),
                venue="v",
                capacity=4,
            )


def test_a_session_needs_a_venue_or_online_and_an_end_after_its_start(coordinator):
    start = days_ahead(2)
    with pytest.raises(ValidationError) as info:
        services.session_create(
            by=coordinator,
            title="パステルアート",
            starts_at=start,
            ends_at=start,
            venue="",
            capacity=4,
        )
    assert set(info.value.error_dict) == {"ends_at", "venue"}
    assert not PeerSession.objects.exists()
    online = services.session_create(
        by=coordinator,
        title="オンライン",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=1),
        online=True,
        capacity=4,
    )
    assert online.venue == ""


def test_the_database_refuses_a_session_ending_before_it_starts(session):
    with pytest.raises(IntegrityError), transaction.atomic():
        PeerSession.objects.filter(pk=session.pk).update(ends_at=session.starts_at)


def test_registering_her_client_sets_a_reminder_for_the_day_before(session, her_client, counselor):
    registration = services.session_register(session=session, client=her_client, by=counselor)
    reminder = registration.reminder
    assert reminder.assignee == counselor and reminder.client == her_client
    assert reminder.is_open
    due = timezone.localtime(reminder.due_at)
    assert due.date() == local_date(session.starts_at) - datetime.timedelta(days=1)
    assert (due.hour, due.minute) == (17, 0)
    assert "パステルアート" in reminder.what


def test_a_counselor_cannot_register_a_woman_who_is_not_hers(session, colleagues_client, counselor):
    with pytest.raises(PermissionDenied):
        services.session_register(session=session, client=colleagues_client, by=counselor)


@pytest.mark.parametrize("who", ["coordinator", "expert"])
def test_coordinators_and_experts_register_nobody(request, session, her_client, who):
    with pytest.raises(PermissionDenied):
        services.session_register(
            session=session, client=her_client, by=request.getfixturevalue(who)
        )


def test_a_full_session_and_a_second_registration_are_refused(
    session, her_client, second_client, counselor, coordinator
):
    services.session_register(session=session, client=her_client, by=counselor)
    with pytest.raises(ValidationError, match="already registered"):
        services.session_register(session=session, client=her_client, by=counselor)
    services.session_anonymous_set(session=session, by=coordinator, registered=2)
    with pytest.raises(ValidationError, match="full"):
        services.session_register(session=session, client=second_client, by=counselor)


def test_withdrawing_cancels_the_reminder_and_frees_the_place(session, her_client, counselor):
    registration = services.session_register(session=session, client=her_client, by=counselor)
    services.registration_withdraw(registration=registration, by=counselor)
    registration.refresh_from_db()
    assert registration.status == SessionRegistration.Status.WITHDRAWN
    assert registration.reminder.state == FollowUp.State.CANCELLED
    again = services.session_register(session=session, client=her_client, by=counselor)
    assert again.pk == registration.pk and again.status == SessionRegistration.Status.REGISTERED


def test_cancelling_a_session_cancels_the_reminders(session, her_client, counselor, coordinator):
    registration = services.session_register(session=session, client=her_client, by=counselor)
    services.session_cancel(session=session, by=coordinator, reason="会場の都合")
    registration.refresh_from_db()
    assert registration.reminder.state == FollowUp.State.CANCELLED
    with pytest.raises(ValidationError):
        services.session_register(session=session, client=her_client, by=counselor)


def test_attendance_is_taken_after_the_start_and_counts_in_the_figures(
    session, her_client, second_client, counselor, coordinator
):
    one = services.session_register(session=session, client=her_client, by=counselor)
    two = services.session_register(session=session, client=second_client, by=counselor)
    with pytest.raises(ValidationError):
        services.session_attendance_record(session=session, attended={one.pk: True}, by=counselor)
    move_to_past(session)
    services.session_attendance_record(
        session=session, attended={one.pk: True, two.pk: False}, by=counselor
    )
    services.session_anonymous_set(session=session, by=coordinator, attended=1)
    session.refresh_from_db()
    assert session.status == PeerSession.Status.HELD
    day = local_date(session.starts_at)
    numbers = report_numbers(day, day)
    assert numbers["peer_support.sessions"] == 1
    assert numbers["peer_support.participants"] == 2  # her and one anonymous
    assert numbers["peer_support.distinct_participants"] == 2
    assert numbers["peer_support.first_time_participants"] == 1
    assert report_numbers(day + datetime.timedelta(days=1), None)["peer_support.sessions"] == 0


def test_attendance_for_a_colleagues_registration_is_refused(
    session, colleagues_client, colleague, counselor
):
    theirs = services.session_register(session=session, client=colleagues_client, by=colleague)
    move_to_past(session)
    with pytest.raises(PermissionDenied):
        services.session_attendance_record(
            session=session, attended={theirs.pk: True}, by=counselor
        )


def test_first_time_participants_are_those_whose_first_attendance_is_in_the_period(
    coordinator, counselor, her_client, second_client
):
    sessions = []
    for offset in (400, 10):
        start = timezone.now() - datetime.timedelta(days=offset)
        s = PeerSession.objects.create(
            title="パステルアート",
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=2),
            venue="v",
            capacity=5,
            status=PeerSession.Status.HELD,
            created_by=coordinator,
        )
        sessions.append(s)
    SessionRegistration.objects.create(
        session=sessions[0],
        client=her_client,
        registered_by=counselor,
        status=SessionRegistration.Status.ATTENDED,
    )
    for c in (her_client, second_client):
        SessionRegistration.objects.create(
            session=sessions[1],
            client=c,
            registered_by=counselor,
            status=SessionRegistration.Status.ATTENDED,
        )
    since = local_date(timezone.now()) - datetime.timedelta(days=30)
    numbers = report_numbers(since, None)
    assert numbers["peer_support.participants"] == 2
    assert numbers["peer_support.first_time_participants"] == 1  # she came the year before


# --- expert days --------------------------------------------------------------------------------


def test_an_expert_day_is_cut_into_slots(legal_day):
    slots = list(legal_day.slots.order_by("starts_at"))
    assert len(slots) == 3  # three hours of 50-minute slots
    assert slots[1].starts_at - slots[0].starts_at == datetime.timedelta(minutes=50)


def test_an_expert_day_needs_a_user_with_the_expert_role(coordinator, counselor):
    start = days_ahead(3)
    with pytest.raises(ValidationError) as info:
        services.expert_day_create(
            kind="legal",
            expert=counselor,
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=2),
            slot_minutes=50,
            by=coordinator,
        )
    assert "expert" in info.value.error_dict
    assert not ExpertDay.objects.exists()


def test_a_booked_slot_is_not_booked_twice(first_slot, booking, second_client, counselor):
    with pytest.raises(ValidationError, match="already booked"):
        services.expert_book(
            slot=first_slot, client=second_client, referral_note="別件", by=counselor
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        ExpertBooking.objects.create(
            slot=first_slot, client=second_client, referral_note="x", booked_by=counselor
        )


def test_a_booking_needs_a_note_and_her_own_client(
    first_slot, her_client, colleagues_client, counselor
):
    with pytest.raises(ValidationError):
        services.expert_book(slot=first_slot, client=her_client, referral_note=" ", by=counselor)
    with pytest.raises(PermissionDenied):
        services.expert_book(
            slot=first_slot, client=colleagues_client, referral_note="x", by=counselor
        )


def test_the_experts_record_is_a_consultation_of_the_days_kind_held_by_her_with_a_follow_up(
    booking, legal_day, expert, counselor
):
    move_to_past(legal_day)
    booking.refresh_from_db()
    start = booking.slot.starts_at
    services.expert_consultation_record(
        booking=booking,
        by=expert,
        started_at=start,
        ended_at=start + datetime.timedelta(minutes=40),
        main_concern=Consultation.MainConcern.FAMILY,
        summary="調停の流れを説明した。",
        follow_up_what="法テラスの案内を送る",
        follow_up_due_at=timezone.now() + datetime.timedelta(days=2),
    )
    booking.refresh_from_db()
    consultation = booking.consultation
    assert booking.status == ExpertBooking.Status.RECORDED
    assert consultation.kind == Consultation.Kind.LEGAL
    assert consultation.recorded_by == expert
    # She is the consultation's staff member; the counselor who referred her stays on the
    # booking and gets the follow-up.
    assert list(consultation.counselors.all()) == [expert]
    assert booking.booked_by == counselor
    assert booking.followup.assignee == counselor
    assert booking.followup.consultation == consultation
    legal_day.refresh_from_db()
    assert legal_day.status == ExpertDay.Status.HELD
    day = local_date(legal_day.starts_at)
    numbers = report_numbers(day, day)
    assert numbers["expert.legal.sessions"] == 1
    assert numbers["expert.legal.consultations"] == 1
    assert numbers["expert.health.sessions"] == 0


def test_another_expert_cannot_record_her_booking(booking, legal_day, other_expert, counselor):
    move_to_past(legal_day)
    booking.refresh_from_db()
    for who in (other_expert, counselor):
        with pytest.raises(PermissionDenied):
            services.expert_consultation_record(
                booking=booking,
                by=who,
                started_at=booking.slot.starts_at,
                ended_at=booking.slot.ends_at,
                main_concern="family",
                summary="x",
            )


def test_cancelling_the_day_cancels_its_bookings_and_reminders(booking, legal_day, coordinator):
    services.expert_day_cancel(day=legal_day, by=coordinator)
    booking.refresh_from_db()
    assert booking.status == ExpertBooking.Status.CANCELLED
    assert booking.reminder.state == FollowUp.State.CANCELLED


def test_an_empty_period_gives_zeros():
    numbers = report_numbers(datetime.date(2001, 1, 1), datetime.date(2001, 1, 31))
    assert set(numbers) >= {
        "expert.legal.sessions",
        "expert.legal.consultations",
        "expert.health.sessions",
        "expert.health.consultations",
        "peer_support.sessions",
        "peer_support.participants",
    }
    assert all(value == 0 for value in numbers.values())
