"""The downloads of peer-support sessions, expert days and expert bookings: head counts and
numbers, never notes, venues, materials, peer supporters or referral notes; the sessions and
days for those who plan them (coordinators, supervisors), the bookings for supervisors."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from activities import services
from core.tests.exporting import csv_rows, exported_by, xlsx_rows

from .conftest import days_ahead

pytestmark = pytest.mark.django_db
SESSIONS = "reports:export_activities.sessions"
DAYS = "reports:export_activities.expert_days"
BOOKINGS = "reports:export_activities.expert_bookings"
SECRET = "ひみつの会場"
# The session, the user, her second factor, her roles, the history context, then the list in
# one cursor (head counts annotated), whatever its length.
QUERIES = 6


def _session(by, *, days: int = 5, title: str = "パステルアート"):
    start = days_ahead(days, 13)
    return services.session_create(
        by=by, title=title, starts_at=start, ends_at=start + datetime.timedelta(hours=2),
        venue=f"{SECRET}（会場）", online=False, peer_supporters=f"{SECRET}（ピア）", capacity=3,
        materials=f"{SECRET}（材料）", notes=f"{SECRET}（メモ）",
    )  # fmt: skip


def test_sessions_come_with_head_counts_and_no_free_text(
    client, coordinator, counselor, her_client
):
    session = _session(coordinator, title='=HYPERLINK("http://x")')
    services.session_register(session=session, client=her_client, by=counselor)
    client.force_login(coordinator)
    rows = csv_rows(client.get(reverse(SESSIONS), {"format": "csv"}))
    assert rows[0][0] == "回番号" and rows[0][7] == "申込"
    assert rows[1][0] == str(session.pk) and rows[1][1] == '\'=HYPERLINK("http://x")'
    assert rows[1][5] == "予定" and rows[1][6:] == ["3", "1", "0"]
    assert SECRET not in repr(rows) and her_client.nickname not in repr(rows)
    book = xlsx_rows(client.get(reverse(SESSIONS), {"format": "xlsx"}))
    assert book[1][0] == session.pk and book[1][7] == 1
    assert exported_by(coordinator, "activities.peersession") == 2


def test_the_period_filter_applies_to_sessions(client, coordinator):
    soon, later = _session(coordinator, days=5), _session(coordinator, days=40)
    client.force_login(coordinator)
    day = (soon.starts_at + datetime.timedelta(hours=9)).date().isoformat()
    rows = csv_rows(client.get(reverse(SESSIONS), {"from": day, "to": day}))
    assert [r[0] for r in rows[1:]] == [str(soon.pk)]
    assert str(later.pk) in repr(csv_rows(client.get(reverse(SESSIONS))))


def test_expert_days_and_bookings(client, coordinator, supervisor, booking, legal_day):
    client.force_login(coordinator)
    days = csv_rows(client.get(reverse(DAYS)))
    assert days[1][0] == str(legal_day.pk) and days[1][1] == "法律相談" and days[1][7] == "1"
    assert client.get(reverse(BOOKINGS)).status_code == 404  # women by number: supervisors
    client.force_login(supervisor)
    bookings = csv_rows(client.get(reverse(BOOKINGS), {"format": "csv"}))
    assert bookings[1][0] == str(booking.pk) and bookings[1][5] == str(booking.client_id)
    assert bookings[1][6] == "予約済"
    assert "離婚と養育費" not in repr(bookings)  # the referral note stays in the app
    cancelled = csv_rows(client.get(reverse(BOOKINGS), {"status": "cancelled"}))
    assert cancelled[1:] == []
    assert exported_by(supervisor, "activities.expertbooking") == 2


@pytest.mark.parametrize("name", [SESSIONS, DAYS, BOOKINGS])
def test_who_may_download(client, counselor, coordinator, supervisor, expert, outsider, name):
    allowed = {supervisor} | ({coordinator} if name != BOOKINGS else set())
    for user in (counselor, coordinator, supervisor, expert, outsider):
        client.force_login(user)
        answer = client.get(reverse(name), {"format": "csv"})
        assert answer.status_code == (200 if user in allowed else 404), (user, name)


@pytest.mark.parametrize("query", [{"format": "doc"}, {"from": "abc"}, {"status": "nosuch"}])
def test_a_bad_request_is_answered_400(client, supervisor, query):
    client.force_login(supervisor)
    answer = client.get(reverse(BOOKINGS), query)
    assert answer.status_code == 400 and "attachment" not in answer.get("Content-Disposition", "")


def test_the_list_pages_offer_the_downloads(client, coordinator, counselor):
    client.force_login(coordinator)
    assert reverse(SESSIONS) + "?format=csv" in client.get(reverse("activities:session_list")).text
    page = client.get(reverse("activities:expert_day_list")).text
    assert reverse(DAYS) in page and reverse(BOOKINGS) not in page
    client.force_login(counselor)
    assert reverse(SESSIONS) not in client.get(reverse("activities:session_list")).text


@pytest.mark.parametrize("count", [1, 6])
def test_the_downloads_run_a_fixed_number_of_queries(
    client, supervisor, coordinator, count, django_assert_num_queries
):
    for n in range(count):
        _session(coordinator, days=5 + n)
    client.force_login(supervisor)
    with django_assert_num_queries(QUERIES):
        rows = csv_rows(client.get(reverse(SESSIONS)))
    assert len(rows) == count + 1
