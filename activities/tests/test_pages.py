"""The session and expert-day pages: what they show, an invalid form answering 400 and
changing nothing, and a fixed number of queries at two sizes of data."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from activities import services
from activities.models import PeerSession, SessionRegistration
from cases.tests.factories import ClientFactory

from .conftest import days_ahead, move_to_past

pytestmark = pytest.mark.django_db


def test_a_coordinator_plans_a_session_from_the_form(client, coordinator, counselor):
    client.force_login(coordinator)
    assert client.get(reverse("activities:session_create")).status_code == 200
    start = days_ahead(6, 13)
    data = {
        "title": "パステルアート",
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + datetime.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "venue": "",
        "capacity": "8",
        "facilitators": [str(counselor.pk)],
    }
    bad = client.post(reverse("activities:session_create"), data)
    assert bad.status_code == 400 and not PeerSession.objects.exists()
    response = client.post(reverse("activities:session_create"), {**data, "venue": "区民センター"})
    session = PeerSession.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("activities:session_detail", args=[session.pk])
    assert list(session.facilitators.all()) == [counselor]


def test_a_counselor_registers_her_client_and_takes_attendance(
    client, session, her_client, counselor
):
    client.force_login(counselor)
    url = reverse("activities:session_register", args=[session.pk])
    assert client.post(url, {"reg-client": "987654"}).status_code == 400
    assert client.post(url, {"reg-client": her_client.pk}).status_code == 302
    registration = SessionRegistration.objects.get()
    move_to_past(session)
    attendance = reverse("activities:session_attendance", args=[session.pk])
    assert client.post(attendance, {}).status_code == 400
    response = client.post(attendance, {f"attended-{registration.pk}": "yes"})
    assert response.status_code == 302
    registration.refresh_from_db()
    assert registration.status == SessionRegistration.Status.ATTENDED


def _sessions(coordinator, counselor, n: int) -> PeerSession:
    """n sessions; the first with n of her clients registered."""
    first = None
    for i in range(n):
        start = days_ahead(2 + i, 13)
        s = services.session_create(
            by=coordinator,
            title=f"パステルアート{i}",
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=2),
            venue="区民センター",
            capacity=50,
        )
        first = first or s
    for _ in range(n):
        c = ClientFactory(counselors=[counselor], created_by=counselor)
        services.session_register(session=first, client=c, by=counselor)
    return first


@pytest.mark.parametrize("n", [1, 8])
def test_the_session_pages_run_a_fixed_number_of_queries(
    client, coordinator, counselor, n, django_assert_max_num_queries
):
    first = _sessions(coordinator, counselor, n)
    client.force_login(counselor)
    # session, user, roles, the list in one query, the menu's and the page's capabilities.
    with django_assert_max_num_queries(6):
        assert client.get(reverse("activities:session_list")).status_code == 200
    # + the session, its facilitators, her registrations (with her scope), the others' count,
    # the clients to register, the LINE invitations' counts (a page section) and the
    # access-log row: 12 at both sizes.
    with django_assert_max_num_queries(12):
        assert client.get(reverse("activities:session_detail", args=[first.pk])).status_code == 200


@pytest.mark.parametrize("n", [1, 6])
def test_the_expert_day_pages_run_a_fixed_number_of_queries(
    client, coordinator, counselor, expert, n, django_assert_max_num_queries
):
    start = days_ahead(3, 10)
    day = services.expert_day_create(
        kind="health",
        expert=expert,
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=n),
        slot_minutes=60,
        by=coordinator,
    )
    for slot in day.slots.all():
        c = ClientFactory(counselors=[counselor], created_by=counselor)
        services.expert_book(slot=slot, client=c, referral_note="受診の目安", by=counselor)
    for who in (counselor, expert):
        client.force_login(who)
        # The list: 7 for the team, 8 for the expert (the women booked with her).
        with django_assert_max_num_queries(8):
            assert client.get(reverse("activities:expert_day_list")).status_code == 200
        # The day, its slots with their bookings, the clients she may name, the free slots and
        # her clients for the booking form, the access-log row: 12 at both sizes.
        with django_assert_max_num_queries(12):
            response = client.get(reverse("activities:expert_day_detail", args=[day.pk]))
        assert response.status_code == 200


def test_the_figures_page_shows_the_report_numbers(client, supervisor, expert):
    client.force_login(supervisor)
    response = client.get(reverse("activities:figures") + "?from=2022-04-01&to=2023-03-31")
    assert response.status_code == 200
    assert 'data-key="peer_support.participants"' in response.content.decode()
    client.force_login(expert)
    assert client.get(reverse("activities:figures")).status_code == 404
