"""The staff calendar page (month, week, filters, query budget) and the iCalendar feed (a
secret, revocable address; titles without personal data; refusals recorded)."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from activities import services as activity_services
from activities.tests.conftest import days_ahead
from agenda import services
from agenda.models import CalendarFeedToken
from agenda.selectors import token_hash
from audit.models import SecurityEvent
from cases.tests.factories import CaseFactory, ClientFactory
from openings.models import OpeningRule
from referrals import services as referral_services

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _monday() -> datetime.date:
    today = timezone.localdate()
    return today + datetime.timedelta(days=7 - today.weekday())  # next week's Monday


def _in_next_week(weekday: int, hour: int) -> datetime.datetime:
    return days_ahead((_monday() - timezone.localdate()).days + weekday, hour)


@pytest.fixture
def world(counselor, coordinator, expert):
    """A weekly LINE opening, a session, an expert day with her client booked, and an
    accompaniment she goes to, all within the next week."""
    today = timezone.localdate()
    OpeningRule.objects.create(
        weekday=1,
        start_time=datetime.time(14),
        end_time=datetime.time(20),
        valid_from=today - datetime.timedelta(days=30),
    )
    her = ClientFactory(counselors=[counselor], created_by=counselor, nickname="ゆき")
    case = CaseFactory(client=her, opened_by=counselor, counselors=[counselor])
    start = _in_next_week(2, 13)
    session = activity_services.session_create(
        by=coordinator,
        title="パステルアート",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=2),
        venue="区民センター",
        capacity=6,
    )
    activity_services.session_register(session=session, client=her, by=counselor)
    day = activity_services.expert_day_create(
        kind="legal",
        expert=expert,
        starts_at=_in_next_week(3, 13),
        ends_at=_in_next_week(3, 15),
        slot_minutes=60,
        by=coordinator,
    )
    activity_services.expert_book(
        slot=day.slots.first(), client=her, referral_note="養育費", by=counselor
    )
    accompaniment = referral_services.accompaniment_book(
        case=case,
        place="ゆきさんの自宅近くの区役所",
        starts_at=_in_next_week(4, 10),
        counselors=[counselor],
        by=counselor,
    )
    return {"session": session, "day": day, "accompaniment": accompaniment, "her": her}


def _week_url(**extra) -> str:
    date = _monday().isoformat()
    query = "&".join(f"{k}={v}" for k, v in {"view": "week", "date": date, **extra}.items())
    return f"{reverse('agenda:calendar')}?{query}"


def test_the_counselors_week_shows_every_source(client, counselor, world):
    client.force_login(counselor)
    response = client.get(_week_url())
    assert response.status_code == 200
    html = response.content.decode()
    for kind in ("line_opening", "peer_session", "expert_legal", "accompaniment"):
        assert f'data-kind="{kind}"' in html, kind
    assert "ゆき" not in html  # titles carry no personal data
    assert "区役所" not in html


def test_the_filter_shows_only_the_chosen_sources(client, counselor, world):
    client.force_login(counselor)
    html = client.get(_week_url(source="activities.peer_sessions")).content.decode()
    assert 'data-kind="peer_session"' in html
    assert 'data-kind="line_opening"' not in html and 'data-kind="accompaniment"' not in html


def test_the_expert_sees_her_day_and_the_openings_but_no_session(client, expert, world):
    client.force_login(expert)
    html = client.get(_week_url()).content.decode()
    assert 'data-kind="expert_legal"' in html
    assert 'data-kind="peer_session"' not in html and 'data-kind="accompaniment"' not in html


def test_a_bad_date_or_view_falls_back_to_this_month(client, counselor):
    client.force_login(counselor)
    response = client.get(reverse("agenda:calendar") + "?view=year&date=20x1-99-99&source=nope")
    assert response.status_code == 200
    assert "agenda-month" in response.content.decode()


@pytest.mark.parametrize("copies", [1, 6])
def test_the_month_runs_a_fixed_number_of_queries(
    client, counselor, coordinator, expert, world, copies, django_assert_max_num_queries
):
    for i in range(copies):
        start = days_ahead(1 + i % 20, 10)
        activity_services.session_create(
            by=coordinator,
            title=f"会{i}",
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=1),
            online=True,
            capacity=4,
        )
        activity_services.expert_day_create(
            kind="health",
            expert=expert,
            starts_at=days_ahead(1 + i % 20, 16),
            ends_at=days_ahead(1 + i % 20, 18),
            slot_minutes=60,
            by=coordinator,
        )
    client.force_login(counselor)
    # session, user, roles, 2 for the openings (rules, exceptions), 1 for the sessions, 1 for
    # the expert days, 1 for the accompaniments (+ its counselors), the menu: 11 at both sizes.
    with django_assert_max_num_queries(11):
        response = client.get(reverse("agenda:calendar"))
    assert response.status_code == 200


# --- the feed -------------------------------------------------------------------------------------


def _make_feed(client, user) -> str:
    client.force_login(user)
    response = client.post(reverse("agenda:feed_settings"), {"action": "create"})
    assert response.status_code == 302
    html = client.get(reverse("agenda:feed_settings")).content.decode()
    start = html.index('id="feed-url"')
    value = html[html.index('value="', start - 200) + 7 :]
    url = value[: value.index('"')]
    return url[url.index("/agenda/feed/") :]


def test_the_feed_answers_icalendar_without_personal_data(client, counselor, world):
    path = _make_feed(client, counselor)
    client.logout()
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    text = response.content.decode()
    assert text.startswith("BEGIN:VCALENDAR\r\n")
    assert text.count("BEGIN:VEVENT") >= 4
    assert "ゆき" not in text and "区役所" not in text and "養育費" not in text
    assert f"UID:activities-peersession-{world['session'].pk}@" in text


def test_only_a_hash_of_the_secret_is_stored_and_it_is_shown_once(client, counselor):
    path = _make_feed(client, counselor)
    assert path not in client.get(reverse("agenda:feed_settings")).content.decode()
    secret = path.rsplit("/", 1)[-1].removesuffix(".ics")
    row = CalendarFeedToken.objects.get(user=counselor)
    assert row.token_hash == token_hash(secret) and secret not in row.token_hash


def test_a_new_address_stops_the_old_one_and_revoking_stops_it(client, counselor, world):
    old = _make_feed(client, counselor)
    new = _make_feed(client, counselor)
    client.logout()
    assert client.get(old).status_code == 404
    assert client.get(new).status_code == 200
    client.force_login(counselor)
    client.post(reverse("agenda:feed_settings"), {"action": "revoke"})
    client.logout()
    assert client.get(new).status_code == 404
    assert CalendarFeedToken.objects.filter(user=counselor, revoked_at__isnull=True).count() == 0


def test_an_unknown_address_is_404_and_recorded_without_the_token(client):
    secret = "x" * 43
    response = client.get(reverse("agenda:feed", args=[secret]))
    assert response.status_code == 404
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.CALENDAR_FEED_REFUSED)
    assert secret not in event.detail and secret not in event.username


def test_a_deactivated_users_feed_stops(client, counselor):
    path = _make_feed(client, counselor)
    counselor.is_active = False
    counselor.save(update_fields=["is_active"])
    client.logout()
    assert client.get(path).status_code == 404


def test_the_feed_settings_page_refuses_an_unknown_action(client, counselor):
    client.force_login(counselor)
    response = client.post(reverse("agenda:feed_settings"), {"action": "steal"})
    assert response.status_code == 400
    assert not CalendarFeedToken.objects.exists()


def test_a_token_row_per_user_is_live_at_most_once(counselor):
    services.feed_token_create(user=counselor)
    services.feed_token_create(user=counselor)
    assert CalendarFeedToken.objects.filter(user=counselor).count() == 2
    assert CalendarFeedToken.objects.filter(user=counselor, revoked_at=None).count() == 1
