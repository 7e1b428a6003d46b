"""The expert's reach: her own days, the women booked with her, the referral note and her own
records; nothing else of their cases, and no session. Allow and deny, page by page."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from activities import services
from activities.selectors import expert_bookings_for, expert_days_visible_to
from cases.models import Consultation
from cases.selectors import clients_visible_to
from cases.tests.factories import CaseFactory, ConsultationFactory
from followups.tests.factories import FollowUpFactory

from .conftest import days_ahead, move_to_past

pytestmark = pytest.mark.django_db


@pytest.fixture
def her_world(booking, her_client, counselor, other_expert, coordinator):
    """Her booking with the expert, her case and an earlier LINE consultation, a follow-up, and
    another expert's day with a colleague's booking on it."""
    case = CaseFactory(client=her_client, opened_by=counselor, counselors=[counselor])
    line = ConsultationFactory(client=her_client, summary="夫からの暴力について詳しく話した")
    followup = FollowUpFactory(client=her_client, assignee=counselor)
    start = days_ahead(4, 10)
    other_day = services.expert_day_create(
        kind="health",
        expert=other_expert,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        slot_minutes=60,
        by=coordinator,
    )
    return {"case": case, "line": line, "followup": followup, "other_day": other_day}


def test_the_expert_sees_her_days_and_bookings_only(booking, her_world, expert, legal_day):
    assert list(expert_days_visible_to(expert)) == [legal_day]
    assert list(expert_bookings_for(expert)) == [booking]


def test_her_client_scope_is_the_women_booked_with_her(booking, her_world, expert, her_client):
    assert list(clients_visible_to(expert)) == [her_client]


def test_a_cancelled_booking_takes_the_woman_out_of_her_reach(booking, expert, counselor):
    services.expert_booking_cancel(booking=booking, by=counselor)
    assert not clients_visible_to(expert).exists()
    assert not expert_days_visible_to(expert).filter(slots__bookings__status="booked").exists()


def test_the_expert_reads_the_booking_with_the_note_and_the_record_form(
    client, booking, her_world, expert
):
    client.force_login(expert)
    response = client.get(reverse("activities:booking_detail", args=[booking.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "離婚と養育費について" in html and "ゆき" in html
    assert "夫からの暴力" not in html  # her other consultations are not shown
    assert f'action="/activities/bookings/{booking.pk}/record/"' in html
    assert reverse("cases:client_detail", args=[booking.client_id]) not in html
    days = client.get(reverse("activities:expert_day_list"))
    assert days.status_code == 200 and "離婚と養育費について" in days.content.decode()


def test_the_expert_is_refused_everything_else(client, booking, her_world, expert):
    client.force_login(expert)
    other = her_world["other_day"]
    denied = [
        reverse("activities:expert_day_detail", args=[other.pk]),
        reverse("activities:session_list"),
        reverse("activities:session_create"),
        reverse("activities:expert_day_create"),
        reverse("activities:figures"),
        reverse("cases:client_detail", args=[booking.client_id]),
        reverse("cases:case_detail", args=[her_world["case"].pk]),
        reverse("followups:detail", args=[her_world["followup"].pk]),
    ]
    for url in denied:
        assert client.get(url).status_code == 404, url


def test_the_expert_does_not_see_another_experts_booking(
    client, her_world, expert, other_expert, colleagues_client, colleague
):
    slot = her_world["other_day"].slots.first()
    theirs = services.expert_book(
        slot=slot, client=colleagues_client, referral_note="x", by=colleague
    )
    client.force_login(expert)
    assert client.get(reverse("activities:booking_detail", args=[theirs.pk])).status_code == 404
    client.force_login(other_expert)
    assert client.get(reverse("activities:booking_detail", args=[theirs.pk])).status_code == 200


def test_the_expert_records_and_then_sees_her_record_only(client, booking, legal_day, expert):
    move_to_past(legal_day)
    booking.refresh_from_db()
    start = booking.slot.starts_at.astimezone(datetime.UTC)
    client.force_login(expert)
    url = reverse("activities:booking_record", args=[booking.pk])
    bad = client.post(url, {"record-summary": ""})
    assert bad.status_code == 400
    assert not Consultation.objects.filter(kind="legal").exists()
    local = booking.slot.starts_at.astimezone(datetime.timezone(datetime.timedelta(hours=9)))
    response = client.post(
        url,
        {
            "record-started_at": local.strftime("%Y-%m-%dT%H:%M"),
            "record-ended_at": (local + datetime.timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M"),
            "record-main_concern": "family",
            "record-summary": "養育費の算定表を説明した",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    consultation = Consultation.objects.get(kind="legal")
    assert consultation.started_at == start.replace(second=0, microsecond=0)
    page = client.get(reverse("activities:booking_detail", args=[booking.pk])).content.decode()
    assert "養育費の算定表を説明した" in page
    # The consultation page of the cases app stays closed to her.
    assert client.get(reverse("cases:client_detail", args=[booking.client_id])).status_code == 404


def test_a_colleague_sees_that_a_slot_is_taken_but_not_by_whom(
    client, booking, legal_day, colleague
):
    colleague.language = "en"
    colleague.save(update_fields=["language"])
    client.force_login(colleague)
    html = client.get(reverse("activities:expert_day_detail", args=[legal_day.pk])).content.decode()
    assert "ゆき" not in html and "Booked" in html
    assert client.get(reverse("activities:booking_detail", args=[booking.pk])).status_code == 404


def test_a_coordinator_sees_head_counts_not_names(
    client, session, her_client, counselor, coordinator
):
    services.session_register(session=session, client=her_client, by=counselor)
    coordinator.language = "en"
    coordinator.save(update_fields=["language"])
    client.force_login(coordinator)
    html = client.get(reverse("activities:session_detail", args=[session.pk])).content.decode()
    assert "ゆき" not in html
    assert "1 more woman is registered" in html


@pytest.mark.parametrize("who", ["outsider"])
def test_someone_without_a_role_sees_nothing(request, client, session, legal_day, who):
    client.force_login(request.getfixturevalue(who))
    for url in (
        reverse("activities:session_list"),
        reverse("activities:session_detail", args=[session.pk]),
        reverse("activities:expert_day_list"),
        reverse("activities:expert_day_detail", args=[legal_day.pk]),
        reverse("agenda:calendar"),
        reverse("agenda:feed_settings"),
    ):
        assert client.get(url).status_code == 404, url
