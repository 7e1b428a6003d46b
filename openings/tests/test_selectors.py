import datetime

import pytest

from core.time import TOKYO
from openings.models import Channel, Opening, OpeningException, OpeningRule
from openings.selectors import is_open_now, month_calendar, next_opening, opening_at
from openings.services import opening_exception_create, openings_seed_programme_defaults

pytestmark = pytest.mark.django_db


def tokyo(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=TOKYO)


@pytest.fixture
def programme(db) -> None:
    openings_seed_programme_defaults()


def test_line_is_open_at_wednesday_14_00(programme):
    assert is_open_now(now=tokyo(2022, 4, 6, 14, 0))


def test_line_is_open_until_just_before_20_00(programme):
    assert is_open_now(now=tokyo(2022, 4, 6, 19, 59, 59))


def test_line_is_closed_at_wednesday_20_00_the_end_is_exclusive(programme):
    assert not is_open_now(now=tokyo(2022, 4, 6, 20, 0))


def test_line_is_closed_just_before_opening(programme):
    assert not is_open_now(now=tokyo(2022, 4, 6, 13, 59, 59))


def test_line_is_closed_on_new_years_day_though_it_is_a_sunday(programme):
    assert not is_open_now(now=tokyo(2023, 1, 1, 11, 0))
    assert is_open_now(now=tokyo(2023, 1, 8, 11, 0))


def test_an_instant_given_in_utc_is_read_in_tokyo_time(programme):
    # 05:00 UTC is 14:00 in Tokyo (UTC+9, no daylight saving time).
    assert is_open_now(now=datetime.datetime(2022, 4, 6, 5, 0, tzinfo=datetime.UTC))
    assert not is_open_now(now=datetime.datetime(2022, 4, 6, 11, 0, tzinfo=datetime.UTC))


def test_opening_at_returns_the_materialised_window(programme):
    opening = opening_at(tokyo(2022, 4, 10, 12, 30))

    assert opening.pk is not None
    assert (opening.starts_at, opening.ends_at) == (tokyo(2022, 4, 10, 10), tokyo(2022, 4, 10, 16))


def test_a_naive_datetime_is_refused(programme):
    with pytest.raises(ValueError):
        opening_at(datetime.datetime(2022, 4, 6, 14, 0))


def test_next_opening_from_a_thursday_is_sunday_10_00(programme):
    opening = next_opening(after=tokyo(2022, 4, 7, 9, 0))

    assert opening.starts_at == tokyo(2022, 4, 10, 10, 0)
    assert opening.pk is not None


def test_next_opening_during_an_opening_is_the_following_one(programme):
    assert next_opening(after=tokyo(2022, 4, 6, 15, 0)).starts_at == tokyo(2022, 4, 10, 10)


def test_next_opening_skips_a_closure(programme):
    # Thursday 2022-12-29 → the extra opening on Saturday 12-31, then Wednesday 2023-01-04.
    assert next_opening(after=tokyo(2022, 12, 29, 9)).starts_at == tokyo(2022, 12, 31, 14)
    assert next_opening(after=tokyo(2022, 12, 31, 21)).starts_at == tokyo(2023, 1, 4, 14)


def test_expert_channels_have_their_own_days(programme):
    assert is_open_now(Channel.LEGAL, now=tokyo(2022, 9, 17, 13, 30))
    assert not is_open_now(Channel.HEALTH, now=tokyo(2022, 9, 17, 13, 30))
    assert next_opening(Channel.HEALTH, after=tokyo(2022, 9, 17)).starts_at == tokyo(
        2022, 9, 24, 13
    )


def test_beyond_what_is_materialised_the_rules_answer(programme):
    # FY2022 alone is materialised; the rules have no end date.
    wednesday = tokyo(2030, 1, 9, 15, 0)
    assert not Opening.objects.filter(starts_at__year=2030).exists()

    assert is_open_now(now=wednesday)
    computed = opening_at(wednesday)
    assert computed.pk is None  # computed from the rules, not a row
    assert next_opening(after=tokyo(2030, 1, 10, 9)).starts_at == tokyo(2030, 1, 13, 10)


def test_beyond_what_is_materialised_closures_still_count(programme, coordinator):
    OpeningException.objects.create(
        channel=Channel.LINE, date=datetime.date(2030, 1, 13), kind="closure"
    )

    assert not is_open_now(now=tokyo(2030, 1, 13, 11))
    assert next_opening(after=tokyo(2030, 1, 10, 9)).starts_at == tokyo(2030, 1, 16, 14)


def test_next_opening_from_the_rows_comes_first_when_rows_are_materialised_further(
    coordinator,
):
    # No rules; one extra opening far ahead is the only planned window.
    opening_exception_create(
        channel=Channel.LINE,
        date=datetime.date(2031, 5, 10),
        kind="extra",
        start_time=datetime.time(14),
        end_time=datetime.time(20),
        by=coordinator,
    )

    found = next_opening(after=tokyo(2030, 1, 1))
    assert found.starts_at == tokyo(2031, 5, 10, 14)
    assert found.pk is not None


def test_there_is_no_next_opening_without_rules_or_extras(db):
    assert next_opening(after=tokyo(2022, 4, 1)) is None
    assert not is_open_now(now=tokyo(2022, 4, 6, 15))


def test_a_rule_applies_only_within_its_validity(db):
    OpeningRule.objects.create(
        weekday=OpeningRule.Weekday.WEDNESDAY,
        start_time=datetime.time(14),
        end_time=datetime.time(20),
        valid_from=datetime.date(2022, 4, 1),
        valid_until=datetime.date(2022, 4, 30),
    )

    assert is_open_now(now=tokyo(2022, 4, 27, 15))
    assert not is_open_now(now=tokyo(2022, 5, 4, 15))
    assert next_opening(after=tokyo(2022, 4, 28)) is None


def test_month_calendar_lays_out_weeks_from_sunday(programme, django_assert_num_queries):
    # Queries: openings in the grid, rules, exceptions.
    with django_assert_num_queries(3):
        calendar = month_calendar(2022, 4, Channel.LINE, today=datetime.date(2022, 4, 6))

    assert len(calendar.weeks) == 5
    assert calendar.weeks[0][0].date == datetime.date(2022, 3, 27)  # a Sunday
    assert calendar.weeks[-1][-1].date == datetime.date(2022, 4, 30)  # a Saturday
    days = [day for week in calendar.weeks for day in week if day.in_month]
    assert sum(len(day.openings) for day in days) == 8  # 4 Wednesdays + 4 Sundays
    assert [day.date for day in days if day.is_today] == [datetime.date(2022, 4, 6)]
    assert (calendar.previous_month, calendar.next_month) == (
        datetime.date(2022, 3, 1),
        datetime.date(2022, 5, 1),
    )


def test_month_calendar_marks_closures_and_extra_openings(programme):
    calendar = month_calendar(2023, 1)
    new_year = next(d for w in calendar.weeks for d in w if d.date == datetime.date(2023, 1, 1))
    assert new_year.openings == []
    assert [c.kind for c in new_year.closures] == ["closure"]

    december = month_calendar(2022, 12, Channel.LINE)
    eve = next(d for w in december.weeks for d in w if d.date == datetime.date(2022, 12, 31))
    assert [o.is_extra for o in eve.openings] == [True]


def test_month_calendar_of_all_channels_shows_expert_days(programme):
    calendar = month_calendar(2022, 9)
    day = next(d for w in calendar.weeks for d in w if d.date == datetime.date(2022, 9, 17))
    assert [o.channel for o in day.openings] == [Channel.LEGAL]


def test_month_calendar_beyond_what_is_materialised_shows_planned_windows(programme):
    calendar = month_calendar(2030, 1, Channel.LINE)

    openings = [o for w in calendar.weeks for d in w if d.in_month for o in d.openings]
    assert len(openings) == 9  # 2030-01: 5 Wednesdays, 4 Sundays
    assert all(o.pk is None for o in openings)
