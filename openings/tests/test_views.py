import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from core.time import fiscal_year_start
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


# Closures and extra openings are refused on past days: changes are made in the next fiscal
# year, all of it ahead of the clock.
NEXT_FY = datetime.date(fiscal_year_start(timezone.localdate()).year + 1, 4, 1)


def first(weekday: int) -> datetime.date:
    return NEXT_FY + datetime.timedelta(days=(weekday - NEXT_FY.weekday()) % 7)


WEDNESDAY, SATURDAY, SUNDAY = first(2), first(5), first(6)


@pytest.fixture
def next_year(db) -> None:
    openings_seed_programme_defaults(fiscal_year_start=NEXT_FY)


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
def test_coordinators_and_supervisors_can_close_a_date(client, request, persona, next_year):
    client.force_login(request.getfixturevalue(persona))
    month = {"month": f"{WEDNESDAY:%Y-%m}"}
    held = client.get(CALENDAR, month).content.decode().count("14:00–20:00")

    response = client.post(
        CREATE, {"kind": "closure", "channel": "line", "date": f"{WEDNESDAY}", "note": "研修のため"}
    )

    assert response.status_code == 302
    assert response.url == f"{CALENDAR}?month={WEDNESDAY:%Y-%m}"
    closure = OpeningException.objects.get(date=WEDNESDAY, kind="closure")
    assert closure.note == "研修のため"
    follow = client.get(response.url).content.decode()
    assert f"{ja_date(WEDNESDAY)}を休止にしました。" in follow
    assert follow.count("14:00–20:00") == held - 1


def test_a_coordinator_can_add_an_extra_opening(client, coordinator):
    client.force_login(coordinator)

    response = client.post(
        CREATE,
        {
            "kind": "extra",
            "channel": "line",
            "date": f"{SATURDAY}",
            "start_time": "14:00",
            "end_time": "20:00",
        },
    )

    assert response.status_code == 302
    content = client.get(response.url).content.decode()
    assert f"{ja_date(SATURDAY)}に臨時開設を追加しました。" in content
    assert "14:00–20:00" in content


@pytest.mark.parametrize("persona", ["counselor", "expert", "outsider"])
def test_others_cannot_add_closures(client, request, persona):
    client.force_login(request.getfixturevalue(persona))

    assert client.get(CREATE).status_code == 404
    response = client.post(CREATE, {"kind": "closure", "channel": "line", "date": "2022-04-06"})

    assert response.status_code == 404
    assert not OpeningException.objects.exists()


def test_the_exception_form_does_not_choose_the_kind_for_her(client, coordinator):
    client.force_login(coordinator)

    content = client.get(CREATE).content.decode()

    assert 'name="kind" value="closure"' in content
    assert not re.search(r'<input[^>]*name="kind"[^>]*checked', content)


def test_an_extra_opening_without_hours_is_sent_back_with_errors(client, coordinator):
    client.force_login(coordinator)

    response = client.post(CREATE, {"kind": "extra", "channel": "line", "date": f"{SATURDAY}"})

    assert response.status_code == 400
    content = response.content.decode()
    assert "臨時開設の開始時刻を入力してください。" in content
    assert "臨時開設の終了時刻を入力してください。" in content
    assert not OpeningException.objects.exists()


def test_closing_a_closed_date_again_is_sent_back_with_a_reason(client, coordinator, next_year):
    client.force_login(coordinator)
    data = {"kind": "closure", "channel": "line", "date": f"{SUNDAY}"}
    assert client.post(CREATE, data).status_code == 302

    response = client.post(CREATE, data)

    assert response.status_code == 400
    assert "この日はこの相談経路ですでに休止になっています。" in response.content.decode()
    assert OpeningException.objects.filter(kind="closure", date=SUNDAY).count() == 1


def test_a_bad_date_is_sent_back_with_errors(client, coordinator):
    client.force_login(coordinator)

    response = client.post(CREATE, {"kind": "closure", "channel": "line", "date": "2022-02-30"})

    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.content.decode() or "is-invalid" in (
        response.content.decode()
    )


def test_closing_a_past_day_is_sent_back_with_a_reason(client, coordinator, programme):
    client.force_login(coordinator)

    response = client.post(CREATE, {"kind": "closure", "channel": "line", "date": "2022-04-06"})

    assert response.status_code == 400
    content = response.content.decode()
    assert "過去の日は休止にできません。今日以降の日を選んでください。" in content
    assert "is-invalid" in content  # on the date field
    assert not OpeningException.objects.filter(date=datetime.date(2022, 4, 6)).exists()


def test_an_extra_opening_on_a_past_day_is_sent_back_with_a_reason(client, coordinator):
    client.force_login(coordinator)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)

    response = client.post(
        CREATE,
        {
            "kind": "extra",
            "channel": "line",
            "date": f"{yesterday}",
            "start_time": "14:00",
            "end_time": "20:00",
        },
    )

    assert response.status_code == 400
    assert "過去の日に臨時開設は追加できません。" in response.content.decode()
    assert not OpeningException.objects.exists()


def test_closing_a_day_without_an_opening_is_sent_back_with_a_reason(
    client, coordinator, next_year
):
    client.force_login(coordinator)
    monday = WEDNESDAY - datetime.timedelta(days=2)

    response = client.post(CREATE, {"kind": "closure", "channel": "line", "date": f"{monday}"})

    assert response.status_code == 400
    assert (
        f"LINE相談は{ja_date(monday)}に定例の開設がないため、休止にする開設がありません。"
        in response.content.decode()
    )
    assert not OpeningException.objects.filter(date=monday).exists()


# --- removing: a confirmation first -----------------------------------------------------------


def delete_url(exception: OpeningException) -> str:
    return reverse("openings:exception_delete", args=[exception.pk])


@pytest.fixture
def future_closure(next_year, coordinator) -> OpeningException:
    return opening_exception_create(
        channel=Channel.LINE, date=SUNDAY, kind="closure", note="研修のため", by=coordinator
    )


def test_removing_a_closure_asks_first_and_says_what_reopens(client, coordinator, future_closure):
    client.force_login(coordinator)

    response = client.get(delete_url(future_closure))

    assert response.status_code == 200
    content = response.content.decode()
    assert "休止の取り消し" in content
    assert ja_date(SUNDAY) in content
    assert "研修のため" in content
    assert "休止を取り消すと、この日の次の開設が再開されます：" in content
    assert "10:00–16:00 LINE相談" in content
    assert f'action="{delete_url(future_closure)}"' in content
    assert OpeningException.objects.filter(pk=future_closure.pk).exists()  # GET changes nothing


def test_the_calendar_links_to_the_confirmation_instead_of_removing(
    client, coordinator, future_closure
):
    client.force_login(coordinator)

    content = client.get(CALENDAR, {"month": f"{SUNDAY:%Y-%m}"}).content.decode()

    assert f'href="{delete_url(future_closure)}"' in content
    assert f'action="{delete_url(future_closure)}"' not in content  # no one-click form


def test_a_coordinator_can_remove_a_closure(client, coordinator, future_closure):
    client.force_login(coordinator)

    response = client.post(delete_url(future_closure))

    assert response.status_code == 302
    assert not OpeningException.objects.filter(pk=future_closure.pk).exists()
    content = client.get(response.url).content.decode()
    assert f"{ja_date(SUNDAY)}の休止を取り消しました。この日は開設されます。" in content
    assert "10:00–16:00" in content


def test_removing_an_extra_opening_asks_first(client, coordinator):
    extra = opening_exception_create(
        channel=Channel.LINE,
        date=SATURDAY,
        kind="extra",
        start_time=datetime.time(13),
        end_time=datetime.time(17),
        by=coordinator,
    )
    client.force_login(coordinator)

    page = client.get(delete_url(extra)).content.decode()
    assert "臨時開設の取り消し" in page
    assert "臨時開設を取り消すと、次の時間帯は開設されなくなります：" in page
    assert "13:00–17:00 LINE相談" in page
    assert OpeningException.objects.filter(pk=extra.pk).exists()

    response = client.post(delete_url(extra))
    assert response.status_code == 302
    assert not OpeningException.objects.filter(pk=extra.pk).exists()


def test_a_past_closure_offers_no_removal(client, coordinator, programme):
    closure = OpeningException.objects.get(kind="closure")  # New Year's Day 2023
    client.force_login(coordinator)

    calendar = client.get(CALENDAR, {"month": "2023-01"}).content.decode()
    assert delete_url(closure) not in calendar
    page = client.get(delete_url(closure))
    assert page.status_code == 200
    assert f'action="{delete_url(closure)}"' not in page.content.decode()
    assert "取り消すことはできません" in page.content.decode()

    response = client.post(delete_url(closure))

    assert response.status_code == 400
    assert "過去の日の休止・臨時開設は取り消せません。" in response.content.decode()
    assert OpeningException.objects.filter(pk=closure.pk).exists()


def test_a_counselor_cannot_remove_a_closure(client, counselor, future_closure):
    client.force_login(counselor)

    assert client.get(delete_url(future_closure)).status_code == 404
    response = client.post(delete_url(future_closure))

    assert response.status_code == 404
    assert OpeningException.objects.filter(pk=future_closure.pk).exists()


def test_removing_an_unknown_exception_is_a_404(client, coordinator):
    client.force_login(coordinator)

    assert client.get(reverse("openings:exception_delete", args=[999999])).status_code == 404
