import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from cases.tests.factories import ConsultationFactory
from core.time import TOKYO, fiscal_year_start, local_datetime
from openings.models import Channel, Opening, OpeningException, OpeningRule
from openings.selectors import day_bounds
from openings.services import (
    opening_exception_create,
    opening_exception_delete,
    opening_exception_update,
    opening_rule_create,
    opening_rule_delete,
    opening_rule_update,
    openings_materialize,
    openings_seed_programme_defaults,
)

pytestmark = pytest.mark.django_db

FY_START, FY_END = datetime.date(2022, 4, 1), datetime.date(2023, 3, 31)


def tokyo(*args: int) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=TOKYO)


def in_fy2022(channel: str):
    lower, upper = day_bounds(FY_START, FY_END)
    return Opening.objects.filter(channel=channel, starts_at__gte=lower, starts_at__lt=upper)


def on_day(day: datetime.date, channel: str = Channel.LINE):
    lower, upper = day_bounds(day, day)
    return Opening.objects.filter(channel=channel, starts_at__gte=lower, starts_at__lt=upper)


def test_the_programme_defaults_give_105_line_openings_in_fy2022():
    created = openings_seed_programme_defaults()

    # The report's 105 = 104 Wednesdays and Sundays - New Year's Day + 2 extra openings.
    assert in_fy2022(Channel.LINE).count() == 105
    assert in_fy2022(Channel.LINE).filter(rule__isnull=False).count() == 103
    assert in_fy2022(Channel.LINE).filter(exception__isnull=False).count() == 2
    assert created[Channel.LINE] == 105


def test_the_programme_defaults_give_two_legal_and_two_health_days():
    openings_seed_programme_defaults()

    assert in_fy2022(Channel.LEGAL).count() == 2
    assert in_fy2022(Channel.HEALTH).count() == 2
    legal = list(in_fy2022(Channel.LEGAL))
    assert [o.starts_at for o in legal] == [tokyo(2022, 9, 17, 13), tokyo(2023, 2, 18, 13)]
    assert all(o.ends_at - o.starts_at == datetime.timedelta(hours=4) for o in legal)


def test_seeding_twice_changes_nothing():
    openings_seed_programme_defaults()
    ids = set(Opening.objects.values_list("pk", flat=True))

    created = openings_seed_programme_defaults()

    assert created == {Channel.LINE: 0, Channel.LEGAL: 0, Channel.HEALTH: 0}
    assert set(Opening.objects.values_list("pk", flat=True)) == ids
    assert OpeningRule.objects.count() == 2
    assert OpeningException.objects.filter(kind=OpeningException.Kind.CLOSURE).count() == 1
    assert OpeningException.objects.filter(kind=OpeningException.Kind.EXTRA).count() == 6


def test_materialising_again_creates_nothing():
    openings_seed_programme_defaults()

    assert openings_materialize(start=FY_START, end=FY_END, channel=Channel.LINE) == 0
    assert openings_materialize(start=FY_START, end=FY_END, channel=Channel.LINE) == 0
    assert in_fy2022(Channel.LINE).count() == 105


def test_new_years_day_is_closed():
    openings_seed_programme_defaults()

    assert not on_day(datetime.date(2023, 1, 1)).exists()
    assert on_day(datetime.date(2023, 1, 8)).exists()


def test_openings_are_stored_in_utc_from_tokyo_hours():
    openings_seed_programme_defaults()
    first = in_fy2022(Channel.LINE).first()

    assert first.starts_at == tokyo(2022, 4, 3, 10)  # the first Sunday of FY2022
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (starts_at AT TIME ZONE 'UTC')::text, (ends_at AT TIME ZONE 'UTC')::text "
            "FROM openings_opening WHERE id = %s",
            [first.pk],
        )
        assert cursor.fetchone() == ("2022-04-03 01:00:00", "2022-04-03 07:00:00")


# Closures and extra openings are refused on past days, so these tests use the programme's
# pattern in the next fiscal year, all of it ahead of the clock.
NEXT_FY = datetime.date(fiscal_year_start(timezone.localdate()).year + 1, 4, 1)
NEXT_FY_END = datetime.date(NEXT_FY.year + 1, 3, 31)


def first(weekday: int, on_or_after: datetime.date = NEXT_FY) -> datetime.date:
    return on_or_after + datetime.timedelta(days=(weekday - on_or_after.weekday()) % 7)


WEDNESDAY = first(OpeningRule.Weekday.WEDNESDAY)
SATURDAY = first(OpeningRule.Weekday.SATURDAY)
SUNDAY = first(OpeningRule.Weekday.SUNDAY)


def in_next_fy(channel: str = Channel.LINE):
    lower, upper = day_bounds(NEXT_FY, NEXT_FY_END)
    return Opening.objects.filter(channel=channel, starts_at__gte=lower, starts_at__lt=upper)


@pytest.fixture
def next_year(db) -> None:
    openings_seed_programme_defaults(fiscal_year_start=NEXT_FY)


def test_a_closure_removes_that_days_opening(coordinator, next_year):
    before = in_next_fy().count()

    opening_exception_create(
        channel=Channel.LINE, date=WEDNESDAY, kind=OpeningException.Kind.CLOSURE, by=coordinator
    )

    assert not on_day(WEDNESDAY).exists()
    assert in_next_fy().count() == before - 1


def test_removing_a_closure_restores_the_opening(coordinator, next_year):
    closure = opening_exception_create(
        channel=Channel.LINE, date=SUNDAY, kind=OpeningException.Kind.CLOSURE, by=coordinator
    )
    assert not on_day(SUNDAY).exists()

    opening_exception_delete(exception=closure, by=coordinator)

    assert on_day(SUNDAY).get().starts_at == local_datetime(SUNDAY, datetime.time(10))


def test_a_closure_keeps_an_opening_a_consultation_points_at(coordinator, next_year):
    opening = on_day(WEDNESDAY).get()
    ConsultationFactory(opening=opening, started_at=opening.starts_at, ended_at=opening.ends_at)

    opening_exception_create(
        channel=Channel.LINE, date=WEDNESDAY, kind=OpeningException.Kind.CLOSURE, by=coordinator
    )

    assert Opening.objects.filter(pk=opening.pk).exists()


def test_an_extra_opening_on_a_closed_day_changes_that_days_hours(coordinator, next_year):
    day = WEDNESDAY

    opening_exception_create(
        channel=Channel.LINE, date=day, kind=OpeningException.Kind.CLOSURE, by=coordinator
    )
    opening_exception_create(
        channel=Channel.LINE,
        date=day,
        kind=OpeningException.Kind.EXTRA,
        start_time=datetime.time(16),
        end_time=datetime.time(21),
        by=coordinator,
    )

    opening = on_day(day).get()
    assert (opening.starts_at, opening.ends_at) == (
        local_datetime(day, datetime.time(16)),
        local_datetime(day, datetime.time(21)),
    )
    assert opening.is_extra


def test_moving_an_extra_opening_rematerialises_both_dates(coordinator):
    later = SATURDAY + datetime.timedelta(days=7)
    extra = opening_exception_create(
        channel=Channel.LINE,
        date=SATURDAY,
        kind=OpeningException.Kind.EXTRA,
        start_time=datetime.time(14),
        end_time=datetime.time(20),
        by=coordinator,
    )

    opening_exception_update(
        exception=extra,
        channel=Channel.LINE,
        date=later,
        kind=OpeningException.Kind.EXTRA,
        start_time=datetime.time(14),
        end_time=datetime.time(20),
        note="",
        by=coordinator,
    )

    assert not on_day(SATURDAY).exists()
    assert on_day(later).get().exception == extra


def test_a_closure_ignores_hours_given_with_it(coordinator, next_year):
    closure = opening_exception_create(
        channel=Channel.LINE,
        date=SUNDAY,
        kind=OpeningException.Kind.CLOSURE,
        start_time=datetime.time(10),
        end_time=datetime.time(12),
        by=coordinator,
    )

    assert (closure.start_time, closure.end_time) == (None, None)


def test_an_extra_opening_needs_its_hours(coordinator):
    with pytest.raises(ValidationError):
        opening_exception_create(
            channel=Channel.LINE,
            date=datetime.date(2022, 5, 7),
            kind=OpeningException.Kind.EXTRA,
            start_time=datetime.time(20),
            end_time=datetime.time(14),
            by=coordinator,
        )
    assert not OpeningException.objects.exists()


def test_a_date_cannot_be_closed_twice(coordinator, next_year):
    kwargs = {"channel": Channel.LINE, "date": SUNDAY, "kind": "closure"}
    opening_exception_create(**kwargs, by=coordinator)

    with pytest.raises(ValidationError):
        opening_exception_create(**kwargs, by=coordinator)
    assert OpeningException.objects.filter(date=SUNDAY).count() == 1


# --- the past is not rewritten; a closure closes an opening -----------------------------------


def weekly_rule_from(day: datetime.date, by) -> OpeningRule:
    """A weekly LINE opening on `day`'s weekday, valid from well before it."""
    return opening_rule_create(
        channel=Channel.LINE,
        weekday=day.weekday(),
        start_time=datetime.time(14),
        end_time=datetime.time(20),
        valid_from=day - datetime.timedelta(days=28),
        by=by,
    )


def date_message(excinfo) -> str:
    return " ".join(excinfo.value.message_dict["date"])


def test_a_closure_on_a_past_day_is_refused(coordinator, supervisor):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    weekly_rule_from(yesterday, supervisor)
    held = set(on_day(yesterday).values_list("pk", flat=True))
    assert held

    with pytest.raises(ValidationError) as excinfo:
        opening_exception_create(
            channel=Channel.LINE, date=yesterday, kind="closure", by=coordinator
        )

    assert "過去の日は休止にできません" in date_message(excinfo)
    assert not OpeningException.objects.exists()
    assert set(on_day(yesterday).values_list("pk", flat=True)) == held


def test_an_extra_opening_on_a_past_day_is_refused(coordinator):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)

    with pytest.raises(ValidationError) as excinfo:
        opening_exception_create(
            channel=Channel.LINE,
            date=yesterday,
            kind="extra",
            start_time=datetime.time(14),
            end_time=datetime.time(20),
            by=coordinator,
        )

    assert "過去の日に臨時開設は追加できません" in date_message(excinfo)
    assert not OpeningException.objects.exists()
    assert not Opening.objects.exists()


def test_today_may_be_closed(coordinator, supervisor):
    today = timezone.localdate()
    weekly_rule_from(today, supervisor)

    opening_exception_create(channel=Channel.LINE, date=today, kind="closure", by=coordinator)

    assert not on_day(today).exists()


def test_a_closure_on_a_day_without_an_opening_is_refused(coordinator, next_year):
    monday = first(OpeningRule.Weekday.MONDAY)

    with pytest.raises(ValidationError) as excinfo:
        opening_exception_create(channel=Channel.LINE, date=monday, kind="closure", by=coordinator)

    assert f"LINE相談は{monday.year}年{monday.month}月{monday.day}日" in date_message(excinfo)
    assert "休止にする開設がありません" in date_message(excinfo)
    assert not OpeningException.objects.filter(date=monday).exists()


def test_a_closure_of_another_channel_than_the_one_open_is_refused(coordinator, next_year):
    with pytest.raises(ValidationError):
        opening_exception_create(
            channel=Channel.LEGAL, date=WEDNESDAY, kind="closure", by=coordinator
        )
    assert on_day(WEDNESDAY).exists()


def test_a_closure_does_not_close_an_extra_opening_alone(coordinator):
    # A closure cancels weekly openings only: on a day with just an extra opening it would
    # change nothing, so it is refused (the extra opening is removed instead).
    opening_exception_create(
        channel=Channel.LINE,
        date=SATURDAY,
        kind="extra",
        start_time=datetime.time(14),
        end_time=datetime.time(20),
        by=coordinator,
    )

    with pytest.raises(ValidationError):
        opening_exception_create(
            channel=Channel.LINE, date=SATURDAY, kind="closure", by=coordinator
        )
    assert on_day(SATURDAY).exists()


def test_a_closure_beyond_the_materialised_days_is_checked_against_the_rules(
    coordinator, supervisor
):
    far = first(OpeningRule.Weekday.WEDNESDAY, timezone.localdate() + datetime.timedelta(days=400))
    weekly_rule_from(timezone.localdate(), supervisor)
    assert not on_day(far).exists()  # beyond the horizon: only the rule says it opens

    opening_exception_create(channel=Channel.LINE, date=far, kind="closure", by=coordinator)

    assert OpeningException.objects.filter(date=far).exists()


def test_moving_a_closure_to_a_day_without_an_opening_is_refused(coordinator, next_year):
    closure = opening_exception_create(
        channel=Channel.LINE, date=SUNDAY, kind="closure", by=coordinator
    )
    monday = SUNDAY + datetime.timedelta(days=1)

    with pytest.raises(ValidationError):
        opening_exception_update(
            exception=closure,
            channel=Channel.LINE,
            date=monday,
            kind="closure",
            start_time=None,
            end_time=None,
            note="",
            by=coordinator,
        )
    closure.refresh_from_db()
    assert closure.date == SUNDAY


def past_closure(supervisor) -> OpeningException:
    """A closure held last week (made before the rule on past days existed)."""
    day = timezone.localdate() - datetime.timedelta(days=7)
    weekly_rule_from(day, supervisor)
    closure = OpeningException.objects.create(channel=Channel.LINE, date=day, kind="closure")
    openings_materialize(start=day, end=day)
    return closure


def test_a_past_closure_cannot_be_moved_but_its_note_can_be_changed(coordinator, supervisor):
    closure = past_closure(supervisor)
    held_on = closure.date
    values = {"channel": Channel.LINE, "kind": "closure", "start_time": None, "end_time": None}

    with pytest.raises(ValidationError) as excinfo:
        opening_exception_update(
            exception=closure,
            date=timezone.localdate() + datetime.timedelta(days=7),
            note="",
            by=coordinator,
            **values,
        )
    assert "過去の日の休止・臨時開設は備考のみ変更できます" in " ".join(excinfo.value.messages)

    opening_exception_update(
        exception=closure, date=held_on, note="台風のため", by=coordinator, **values
    )
    closure.refresh_from_db()
    assert (closure.date, closure.note) == (
        timezone.localdate() - datetime.timedelta(days=7),
        "台風のため",
    )


def test_a_past_closure_cannot_be_removed(coordinator, supervisor):
    closure = past_closure(supervisor)

    with pytest.raises(ValidationError) as excinfo:
        opening_exception_delete(exception=closure, by=coordinator)

    assert "過去の日の休止・臨時開設は取り消せません" in " ".join(excinfo.value.messages)
    assert OpeningException.objects.filter(pk=closure.pk).exists()
    assert not on_day(closure.date).exists()


def test_removing_a_removed_closure_is_refused_with_a_reason(coordinator, next_year):
    closure = opening_exception_create(
        channel=Channel.LINE, date=SUNDAY, kind="closure", by=coordinator
    )
    same = OpeningException.objects.get(pk=closure.pk)
    opening_exception_delete(exception=closure, by=coordinator)

    with pytest.raises(ValidationError) as excinfo:
        opening_exception_delete(exception=same, by=coordinator)

    assert "すでに取り消されています" in " ".join(excinfo.value.messages)


def test_changing_a_rules_hours_moves_its_openings(supervisor):
    rule = opening_rule_create(
        channel=Channel.LINE,
        weekday=OpeningRule.Weekday.WEDNESDAY,
        start_time=datetime.time(14),
        end_time=datetime.time(20),
        valid_from=FY_START,
        valid_until=FY_END,
        by=supervisor,
    )
    assert in_fy2022(Channel.LINE).count() == 52

    opening_rule_update(
        rule=rule,
        channel=Channel.LINE,
        weekday=OpeningRule.Weekday.WEDNESDAY,
        start_time=datetime.time(14),
        end_time=datetime.time(21),
        valid_from=FY_START,
        valid_until=datetime.date(2022, 9, 30),
        by=supervisor,
    )

    openings = in_fy2022(Channel.LINE)
    assert openings.count() == 26  # April to September
    assert {o.ends_at.astimezone(TOKYO).time() for o in openings} == {datetime.time(21)}


def test_deleting_a_rule_removes_its_openings(supervisor):
    rule = opening_rule_create(
        channel=Channel.LINE,
        weekday=OpeningRule.Weekday.SUNDAY,
        start_time=datetime.time(10),
        end_time=datetime.time(16),
        valid_from=FY_START,
        by=supervisor,
    )
    assert Opening.objects.exists()

    opening_rule_delete(rule=rule, by=supervisor)

    assert not Opening.objects.exists()


def test_a_rule_must_close_after_it_opens(supervisor):
    with pytest.raises(ValidationError):
        opening_rule_create(
            channel=Channel.LINE,
            weekday=OpeningRule.Weekday.SUNDAY,
            start_time=datetime.time(16),
            end_time=datetime.time(10),
            valid_from=FY_START,
            by=supervisor,
        )


def test_history_records_who_changed_the_hours(coordinator, next_year):
    closure = opening_exception_create(
        channel=Channel.LINE,
        date=SUNDAY,
        kind=OpeningException.Kind.CLOSURE,
        by=coordinator,
    )

    event = closure.events.get()
    assert event.pgh_label == "insert"
    assert event.pgh_context.metadata["user"] == coordinator.pk


def test_materialising_a_reversed_range_is_refused():
    with pytest.raises(ValueError):
        openings_materialize(start=FY_END, end=FY_START)
