import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from cases.tests.factories import ConsultationFactory
from core.time import TOKYO
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


def test_a_closure_removes_that_days_opening(coordinator):
    openings_seed_programme_defaults()

    opening_exception_create(
        channel=Channel.LINE,
        date=datetime.date(2022, 4, 6),
        kind=OpeningException.Kind.CLOSURE,
        by=coordinator,
    )

    assert not on_day(datetime.date(2022, 4, 6)).exists()
    assert in_fy2022(Channel.LINE).count() == 104


def test_removing_a_closure_restores_the_opening(coordinator):
    openings_seed_programme_defaults()
    closure = OpeningException.objects.get(kind=OpeningException.Kind.CLOSURE)

    opening_exception_delete(exception=closure, by=coordinator)

    assert on_day(datetime.date(2023, 1, 1)).get().starts_at == tokyo(2023, 1, 1, 10)


def test_a_closure_keeps_an_opening_a_consultation_points_at(coordinator):
    openings_seed_programme_defaults()
    opening = on_day(datetime.date(2022, 4, 6)).get()
    ConsultationFactory(opening=opening, started_at=opening.starts_at, ended_at=opening.ends_at)

    opening_exception_create(
        channel=Channel.LINE,
        date=datetime.date(2022, 4, 6),
        kind=OpeningException.Kind.CLOSURE,
        by=coordinator,
    )

    assert Opening.objects.filter(pk=opening.pk).exists()


def test_an_extra_opening_on_a_closed_day_changes_that_days_hours(coordinator):
    openings_seed_programme_defaults()
    day = datetime.date(2022, 4, 6)

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
    assert (opening.starts_at, opening.ends_at) == (tokyo(2022, 4, 6, 16), tokyo(2022, 4, 6, 21))
    assert opening.is_extra


def test_moving_an_extra_opening_rematerialises_both_dates(coordinator):
    extra = opening_exception_create(
        channel=Channel.LINE,
        date=datetime.date(2022, 5, 7),
        kind=OpeningException.Kind.EXTRA,
        start_time=datetime.time(14),
        end_time=datetime.time(20),
        by=coordinator,
    )

    opening_exception_update(
        exception=extra,
        channel=Channel.LINE,
        date=datetime.date(2022, 5, 14),
        kind=OpeningException.Kind.EXTRA,
        start_time=datetime.time(14),
        end_time=datetime.time(20),
        note="",
        by=coordinator,
    )

    assert not on_day(datetime.date(2022, 5, 7)).exists()
    assert on_day(datetime.date(2022, 5, 14)).get().exception == extra


def test_a_closure_ignores_hours_given_with_it(coordinator):
    closure = opening_exception_create(
        channel=Channel.LINE,
        date=datetime.date(2022, 5, 8),
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


def test_a_date_cannot_be_closed_twice(coordinator):
    kwargs = {"channel": Channel.LINE, "date": datetime.date(2022, 5, 8), "kind": "closure"}
    opening_exception_create(**kwargs, by=coordinator)

    with pytest.raises(ValidationError):
        opening_exception_create(**kwargs, by=coordinator)
    assert OpeningException.objects.count() == 1


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


def test_history_records_who_changed_the_hours(coordinator):
    closure = opening_exception_create(
        channel=Channel.LINE,
        date=datetime.date(2022, 5, 8),
        kind=OpeningException.Kind.CLOSURE,
        by=coordinator,
    )

    event = closure.events.get()
    assert event.pgh_label == "insert"
    assert event.pgh_context.metadata["user"] == coordinator.pk


def test_materialising_a_reversed_range_is_refused():
    with pytest.raises(ValueError):
        openings_materialize(start=FY_END, end=FY_START)
