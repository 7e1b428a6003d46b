import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from openings.models import Channel, OpeningException
from openings.services import opening_exception_create, openings_seed_programme_defaults

pytestmark = pytest.mark.django_db

CALENDAR = reverse("openings:calendar")
CREATE = reverse("openings:exception_create")
WEEKDAYS_JA = "月火水木金土日"


def ja_date(day: datetime.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日({WEEKDAYS_JA[day.weekday()]})"


@pytest.fixture
def programme(db) -> None:
    openings_seed_programme_defaults()


# --- the calendar ------------------------------------------------------------------------------


def test_the_calendar_shows_a_months_openings(client, counselor, programme):
    client.force_login(counselor)

    response = client.get(CALENDAR, {"month": "2022-04"})

    assert response.status_code == 200
    content = response.content.decode()
    assert "開設日カレンダー" in content
    assert "2022年4月" in content
    assert content.count("14:00–20:00") == 4  # Wednesdays
    assert content.count("10:00–16:00") == 4  # Sundays
    assert "?month=2022-03" in content
    assert "?month=2022-05" in content


def test_the_calendar_marks_closures_and_extra_openings(client, counselor, programme):
    client.force_login(counselor)

    january = client.get(CALENDAR, {"month": "2023-01"}).content.decode()
    december = client.get(CALENDAR, {"month": "2022-12", "channel": "line"}).content.decode()

    assert "休止" in january
    assert "元日のため休止" in january
    assert "臨時開設" in december
    assert "年末臨時開設" not in december  # notes of extra openings stay in the admin


def test_the_calendar_highlights_today(client, counselor):
    client.force_login(counselor)
    today = timezone.localdate()

    content = client.get(CALENDAR).content.decode()

    assert 'aria-current="date"' in content
    assert f'<time datetime="{today:%Y-%m-%d}">' in content
    assert f"{today.year}年{today.month}月" in content


def test_the_banner_says_line_is_open_now(client, counselor, coordinator):
    # An extra opening spanning the whole of today, so the test does not depend on the clock.
    opening_exception_create(
        channel=Channel.LINE,
        date=timezone.localdate(),
        kind=OpeningException.Kind.EXTRA,
        start_time=datetime.time(0, 0),
        end_time=datetime.time(23, 59, 59, 999999),
        by=coordinator,
    )
    client.force_login(counselor)

    content = client.get(CALENDAR).content.decode()

    assert "LINE相談は現在開設中です（23:59まで）" in content


def test_the_banner_gives_the_next_opening(client, counselor, coordinator):
    day = timezone.localdate() + datetime.timedelta(days=3)
    opening_exception_create(
        channel=Channel.LINE,
        date=day,
        kind=OpeningException.Kind.EXTRA,
        start_time=datetime.time(14),
        end_time=datetime.time(20),
        by=coordinator,
    )
    client.force_login(counselor)

    content = client.get(CALENDAR).content.decode()

    assert f"次回の開設：{ja_date(day)} 14:00" in content


def test_the_banner_says_when_nothing_is_planned(client, counselor):
    client.force_login(counselor)

    assert "LINE相談の開設予定はありません。" in client.get(CALENDAR).content.decode()


def test_the_calendar_speaks_english_to_english_users(client, counselor, programme):
    counselor.language = "en"
    counselor.save()
    client.force_login(counselor)

    content = client.get(CALENDAR, {"month": "2023-01"}).content.decode()

    assert "Opening calendar" in content
    assert "Closed" in content


def test_the_calendar_query_count_does_not_grow_with_openings(
    client, counselor, django_assert_max_num_queries
):
    client.force_login(counselor)
    # Queries: session, user, user's groups (roles), the LINE opening now, rules and
    # exceptions for today (not open), next opening (row, rules, exceptions), the month
    # (openings, rules, exceptions), unread-notification count (navigation badge) = 13.
    # +1 since two-step sign-in: the session's MFA device (django_otp's OTPMiddleware).
    with django_assert_max_num_queries(14):
        empty = client.get(CALENDAR, {"month": "2022-04"})
    openings_seed_programme_defaults()
    with django_assert_max_num_queries(14):
        full = client.get(CALENDAR, {"month": "2022-04"})
    assert empty.status_code == full.status_code == 200


@pytest.mark.parametrize("persona", ["counselor", "coordinator", "supervisor", "expert"])
def test_every_role_may_see_the_calendar(client, request, persona):
    client.force_login(request.getfixturevalue(persona))

    assert client.get(CALENDAR).status_code == 200


def test_a_user_without_a_role_may_not_see_the_calendar(client, outsider):
    client.force_login(outsider)

    assert client.get(CALENDAR).status_code == 404  # "not for you" is 404, never 403


def test_the_calendar_asks_anonymous_visitors_to_log_in(client):
    response = client.get(CALENDAR)

    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


@pytest.mark.parametrize(
    "month",
    ["2022-13", "2022-00", "abc", "2022-4x", "99999-01", "1999-12", "2101-01", "２０２２-04"],
)
def test_an_invalid_month_is_a_400_with_a_japanese_reason(client, counselor, month):
    client.force_login(counselor)

    response = client.get(CALENDAR, {"month": month})

    assert response.status_code == 400
    assert "のように年と月を指定してください" in response.content.decode()


def test_an_unknown_channel_is_a_400(client, counselor):
    client.force_login(counselor)

    response = client.get(CALENDAR, {"channel": "fax"})

    assert response.status_code == 400
    assert "相談経路として正しくありません" in response.content.decode()


def test_the_far_edges_of_the_calendar_still_render(client, counselor):
    client.force_login(counselor)

    assert client.get(CALENDAR, {"month": "2000-01"}).status_code == 200
    assert client.get(CALENDAR, {"month": "2100-12"}).status_code == 200


# --- adding and removing closures and extra openings ------------------------------------------


def test_the_exception_form_is_shown_to_coordinators_only(client, coordinator, counselor):
    client.force_login(coordinator)
    assert "休止・臨時開設の登録" in client.get(CALENDAR).content.decode()

    client.force_login(counselor)
    assert "休止・臨時開設の登録" not in client.get(CALENDAR).content.decode()


@pytest.mark.parametrize("persona", ["coordinator", "supervisor"])
def test_coordinators_and_supervisors_can_close_a_date(client, request, persona, programme):
    client.force_login(request.getfixturevalue(persona))

    response = client.post(
        CREATE, {"kind": "closure", "channel": "line", "date": "2022-04-06", "note": "研修のため"}
    )

    assert response.status_code == 302
    assert response.url == f"{CALENDAR}?month=2022-04"
    closure = OpeningException.objects.get(date=datetime.date(2022, 4, 6))
    assert closure.note == "研修のため"
    follow = client.get(response.url).content.decode()
    assert "2022年4月6日(水)を休止にしました。" in follow
    assert follow.count("14:00–20:00") == 3


def test_a_coordinator_can_add_an_extra_opening(client, coordinator):
    client.force_login(coordinator)

    response = client.post(
        CREATE,
        {
            "kind": "extra",
            "channel": "line",
            "date": "2022-08-20",
            "start_time": "14:00",
            "end_time": "20:00",
        },
    )

    assert response.status_code == 302
    content = client.get(response.url).content.decode()
    assert "2022年8月20日(土)に臨時開設を追加しました。" in content
    assert "14:00–20:00" in content


@pytest.mark.parametrize("persona", ["counselor", "expert", "outsider"])
def test_others_cannot_add_closures(client, request, persona):
    client.force_login(request.getfixturevalue(persona))

    assert client.get(CREATE).status_code == 404
    response = client.post(CREATE, {"kind": "closure", "channel": "line", "date": "2022-04-06"})

    assert response.status_code == 404
    assert not OpeningException.objects.exists()


def test_an_extra_opening_without_hours_is_sent_back_with_errors(client, coordinator):
    client.force_login(coordinator)

    response = client.post(CREATE, {"kind": "extra", "channel": "line", "date": "2022-08-20"})

    assert response.status_code == 200
    content = response.content.decode()
    assert "臨時開設の開始時刻を入力してください。" in content
    assert "臨時開設の終了時刻を入力してください。" in content
    assert not OpeningException.objects.exists()


def test_closing_a_closed_date_again_is_sent_back_with_a_reason(client, coordinator, programme):
    client.force_login(coordinator)

    response = client.post(CREATE, {"kind": "closure", "channel": "line", "date": "2023-01-01"})

    assert response.status_code == 200
    assert "この日はこの相談経路ですでに休止になっています。" in response.content.decode()
    assert OpeningException.objects.filter(kind="closure").count() == 1


def test_a_bad_date_is_sent_back_with_errors(client, coordinator):
    client.force_login(coordinator)

    response = client.post(CREATE, {"kind": "closure", "channel": "line", "date": "2022-02-30"})

    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.content.decode() or "is-invalid" in (
        response.content.decode()
    )


def test_a_coordinator_can_remove_a_closure(client, coordinator, programme):
    closure = OpeningException.objects.get(kind="closure")
    client.force_login(coordinator)

    response = client.post(reverse("openings:exception_delete", args=[closure.pk]))

    assert response.status_code == 302
    assert not OpeningException.objects.filter(pk=closure.pk).exists()
    assert "10:00–16:00" in client.get(f"{CALENDAR}?month=2023-01").content.decode()


def test_a_counselor_cannot_remove_a_closure(client, counselor, programme):
    closure = OpeningException.objects.get(kind="closure")
    client.force_login(counselor)

    response = client.post(reverse("openings:exception_delete", args=[closure.pk]))

    assert response.status_code == 404
    assert OpeningException.objects.filter(pk=closure.pk).exists()


def test_removing_is_post_only(client, coordinator, programme):
    closure = OpeningException.objects.get(kind="closure")
    client.force_login(coordinator)

    assert client.get(reverse("openings:exception_delete", args=[closure.pk])).status_code == 405
