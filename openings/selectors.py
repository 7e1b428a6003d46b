"""Reads of opening windows: "is the LINE consultation open now?", the next opening, the calendar.

Where the answer comes from:
- `Opening` rows are the record of windows held or planned, materialised by
  `openings.services.openings_materialize` (the beat task keeps the next 90 days materialised,
  and every change of rules or exceptions re-materialises what it affects).
- For a date nobody has materialised yet (beyond the horizon, or a gap between materialised
  ranges) the same windows are computed on the fly from the rules and exceptions, and returned
  as *unsaved* `Opening` instances (`pk is None`). Materialised rows always agree with the rules
  (each change re-materialises), so "rows first, then rules" gives one consistent answer.
  Before linking a consultation to a computed window, materialise its date.

No personal data here: openings are public hours, so no scoping by user and no access log.
"""

from __future__ import annotations

import calendar
import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Q
from django.utils import timezone

from core.time import local_date, local_datetime

from .models import Channel, Opening, OpeningException, OpeningRule

# Openings are defined in Tokyo wall-clock time (Japan has no daylight saving time).
# How far next_opening() looks for a window before answering "none planned".
NEXT_OPENING_SEARCH_DAYS = 400


def day_bounds(start: datetime.date, end: datetime.date) -> tuple[datetime.datetime, ...]:
    """[start 00:00, the day after end 00:00) in Tokyo, as aware datetimes."""
    return (
        local_datetime(start, datetime.time.min),
        local_datetime(end + datetime.timedelta(days=1), datetime.time.min),
    )


def _expand(
    rules: Iterable[OpeningRule],
    exceptions: Iterable[OpeningException],
    start: datetime.date,
    end: datetime.date,
) -> list[Opening]:
    """The windows rules and exceptions call for in [start, end], as unsaved Openings.

    A closure cancels that date's rule occurrences; extra openings are added (also on a closed
    date). When two windows of a channel start at the same instant, the rule's wins: the
    database allows one opening per (channel, start).
    """
    exceptions = list(exceptions)
    closed = {(e.channel, e.date) for e in exceptions if e.kind == OpeningException.Kind.CLOSURE}
    windows: dict[tuple[str, datetime.datetime], Opening] = {}
    for rule in rules:
        first = max(start, rule.valid_from)
        last = min(end, rule.valid_until) if rule.valid_until else end
        day = first + datetime.timedelta(days=(rule.weekday - first.weekday()) % 7)
        while day <= last:
            if (rule.channel, day) not in closed:
                starts_at = local_datetime(day, rule.start_time)
                windows.setdefault(
                    (rule.channel, starts_at),
                    Opening(
                        channel=rule.channel,
                        starts_at=starts_at,
                        ends_at=local_datetime(day, rule.end_time),
                        rule=rule,
                    ),
                )
            day += datetime.timedelta(days=7)
    for exception in exceptions:
        if exception.kind != OpeningException.Kind.EXTRA or not start <= exception.date <= end:
            continue
        starts_at = local_datetime(exception.date, exception.start_time)
        windows.setdefault(
            (exception.channel, starts_at),
            Opening(
                channel=exception.channel,
                starts_at=starts_at,
                ends_at=local_datetime(exception.date, exception.end_time),
                exception=exception,
            ),
        )
    return sorted(windows.values(), key=lambda o: (o.starts_at, o.channel))


def _rules_and_exceptions(
    start: datetime.date, end: datetime.date, channel: str | None
) -> tuple[list[OpeningRule], list[OpeningException]]:
    rules = OpeningRule.objects.filter(valid_from__lte=end).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=start)
    )
    exceptions = OpeningException.objects.filter(date__range=(start, end))
    if channel is not None:
        rules = rules.filter(channel=channel)
        exceptions = exceptions.filter(channel=channel)
    return list(rules), list(exceptions)


def planned_openings(
    *, start: datetime.date, end: datetime.date, channel: str | None = Channel.LINE
) -> list[Opening]:
    """What the rules and exceptions call for in [start, end] (unsaved); channel None = all.

    Two queries (rules, exceptions), whatever the length of the range.
    """
    rules, exceptions = _rules_and_exceptions(start, end, channel)
    return _expand(rules, exceptions, start, end)


def _aware(value: datetime.datetime) -> datetime.datetime:
    if timezone.is_naive(value):
        raise ValueError("Pass an aware datetime (USE_TZ is on).")
    return value


def opening_at(at: datetime.datetime, channel: str = Channel.LINE) -> Opening | None:
    """The window of `channel` containing the instant `at` (start inclusive, end exclusive).

    A materialised row if there is one (one query); otherwise the window computed from the
    rules and exceptions for that Tokyo date (two more queries), unsaved (`pk is None`).
    """
    at = _aware(at)
    row = (
        Opening.objects.filter(channel=channel, starts_at__lte=at, ends_at__gt=at)
        .select_related("rule", "exception")
        .order_by("starts_at")
        .first()
    )
    if row is not None:
        return row
    day = local_date(at)
    for window in planned_openings(start=day, end=day, channel=channel):
        if window.starts_at <= at < window.ends_at:
            return window
    return None


def is_open_now(channel: str = Channel.LINE, now: datetime.datetime | None = None) -> bool:
    """Is `channel` (LINE by default) open at `now` (default: this instant)?"""
    return opening_at(now or timezone.now(), channel) is not None


def next_opening(
    channel: str = Channel.LINE, after: datetime.datetime | None = None
) -> Opening | None:
    """The first window of `channel` starting strictly after `after` (default: now).

    Looks at materialised rows and at the rules for the days up to the first row found (or
    NEXT_OPENING_SEARCH_DAYS ahead, whichever is sooner), so it works beyond the materialised
    horizon. Three queries. None when nothing is planned.
    """
    after = _aware(after or timezone.now())
    row = (
        Opening.objects.filter(channel=channel, starts_at__gt=after)
        .select_related("rule", "exception")
        .order_by("starts_at")
        .first()
    )
    first_day = local_date(after)
    last_day = first_day + datetime.timedelta(days=NEXT_OPENING_SEARCH_DAYS)
    if row is not None:
        last_day = min(last_day, local_date(row.starts_at))
    planned = next(
        (
            window
            for window in planned_openings(start=first_day, end=last_day, channel=channel)
            if window.starts_at > after
        ),
        None,
    )
    if row is None or (planned is not None and planned.starts_at < row.starts_at):
        return planned
    return row


def exception_windows(exception: OpeningException) -> list[Opening]:
    """What removing `exception` changes on its day, as unsaved Openings: for a closure, the
    weekly windows it cancels (they open again); for an extra opening, its own window.
    Two queries for a closure, none for an extra opening."""
    day = exception.date
    if exception.kind == OpeningException.Kind.EXTRA:
        return _expand([], [exception], day, day)
    rules, exceptions = _rules_and_exceptions(day, day, exception.channel)
    others = [e for e in exceptions if e.pk != exception.pk]
    return [o for o in _expand(rules, others, day, day) if o.exception is None]


# --- month calendar --------------------------------------------------------------------------


@dataclass
class CalendarDay:
    date: datetime.date
    in_month: bool
    is_today: bool
    is_past: bool  # before today: its exceptions are the record and are not removed
    openings: list[Opening] = field(default_factory=list)
    closures: list[OpeningException] = field(default_factory=list)


@dataclass
class MonthCalendar:
    first_day: datetime.date  # the 1st of the month shown
    weeks: list[list[CalendarDay]]
    previous_month: datetime.date
    next_month: datetime.date
    channel: str | None


def month_calendar(
    year: int, month: int, channel: str | None = None, *, today: datetime.date | None = None
) -> MonthCalendar:
    """Weeks (Sunday first, as Japanese calendars are) × days, each with its openings and
    closures. Three queries whatever the month holds: openings, rules, exceptions.

    Days not materialised yet show the windows computed from the rules, so any month can be
    browsed; materialised rows win where both exist (they are what consultations point at).
    """
    first_day = datetime.date(year, month, 1)
    last_day = first_day.replace(day=calendar.monthrange(year, month)[1])
    grid_start = first_day - datetime.timedelta(days=(first_day.weekday() + 1) % 7)
    grid_end = last_day + datetime.timedelta(days=(5 - last_day.weekday()) % 7)
    today = today or timezone.localdate()

    lower, upper = day_bounds(grid_start, grid_end)
    rows = Opening.objects.filter(starts_at__gte=lower, starts_at__lt=upper).select_related(
        "rule", "exception"
    )
    if channel is not None:
        rows = rows.filter(channel=channel)
    rules, exceptions = _rules_and_exceptions(grid_start, grid_end, channel)

    planned = _expand(rules, exceptions, grid_start, grid_end)
    windows = {(o.channel, o.starts_at): o for o in planned}
    windows.update({(o.channel, o.starts_at): o for o in rows})
    openings_by_day: dict[datetime.date, list[Opening]] = defaultdict(list)
    for opening in sorted(windows.values(), key=lambda o: (o.starts_at, o.channel)):
        openings_by_day[local_date(opening.starts_at)].append(opening)
    closures_by_day: dict[datetime.date, list[OpeningException]] = defaultdict(list)
    for exception in exceptions:
        if exception.kind == OpeningException.Kind.CLOSURE:
            closures_by_day[exception.date].append(exception)

    weeks: list[list[CalendarDay]] = []
    day = grid_start
    while day <= grid_end:
        week = []
        for _ in range(7):
            week.append(
                CalendarDay(
                    date=day,
                    in_month=day.month == month,
                    is_today=day == today,
                    is_past=day < today,
                    openings=openings_by_day.get(day, []),
                    closures=closures_by_day.get(day, []),
                )
            )
            day += datetime.timedelta(days=1)
        weeks.append(week)
    return MonthCalendar(
        first_day=first_day,
        weeks=weeks,
        previous_month=(first_day - datetime.timedelta(days=1)).replace(day=1),
        next_month=last_day + datetime.timedelta(days=1),
        channel=channel,
    )
