"""Reads of the staff calendar: every registered source's entries for a user, the month and
week grids, and the feed tokens."""

from __future__ import annotations

import calendar as pycalendar
import datetime
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import QuerySet

from accounts.models import User
from core import registry
from core.registry import CalendarEntry
from core.time import local_date, start_of_day

from .models import CalendarFeedToken


def sources() -> list[registry.CalendarSource]:
    return list(registry.calendar_sources)


def entries_for(
    user: User,
    start: datetime.datetime,
    end: datetime.datetime,
    *,
    only: Iterable[str] | None = None,
) -> list[tuple[str, CalendarEntry]]:
    """(source key, entry) of every source (or of those in `only`), by start time. Each
    source runs a fixed number of queries."""
    chosen = None if only is None else set(only)
    found: list[tuple[str, CalendarEntry]] = []
    for source in registry.calendar_sources:
        if chosen is not None and source.key not in chosen:
            continue
        found += [(source.key, entry) for entry in source.entries(user, start, end)]
    found.sort(key=lambda pair: (pair[1].start, pair[1].title, pair[1].uid))
    return found


@dataclass
class Day:
    date: datetime.date
    in_month: bool
    is_today: bool
    entries: list[tuple[str, CalendarEntry]] = field(default_factory=list)


def _grid_start(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())  # weeks start on Monday


def month_grid(day: datetime.date, today: datetime.date) -> list[list[Day]]:
    """The weeks (Monday first) that show the month of `day`."""
    first = day.replace(day=1)
    last = first.replace(day=pycalendar.monthrange(first.year, first.month)[1])
    cursor = _grid_start(first)
    weeks = []
    while cursor <= last:
        weeks.append(
            [
                Day(d, d.month == first.month, d == today)
                for d in (cursor + datetime.timedelta(days=i) for i in range(7))
            ]
        )
        cursor += datetime.timedelta(days=7)
    return weeks


def week_grid(day: datetime.date, today: datetime.date) -> list[list[Day]]:
    start = _grid_start(day)
    return [
        [
            Day(
                start + datetime.timedelta(days=i),
                True,
                start + datetime.timedelta(days=i) == today,
            )
            for i in range(7)
        ]
    ]


def fill(weeks: list[list[Day]], entries: list[tuple[str, CalendarEntry]]) -> None:
    """Put each entry on every day of the grid it touches (Tokyo days)."""
    days = {d.date: d for week in weeks for d in week}
    for key, entry in entries:
        first = local_date(entry.start)
        last = local_date(entry.end - datetime.timedelta(microseconds=1))
        cursor = first
        while cursor <= last:
            if cursor in days:
                days[cursor].entries.append((key, entry))
            cursor += datetime.timedelta(days=1)


def grid_bounds(weeks: list[list[Day]]) -> tuple[datetime.datetime, datetime.datetime]:
    return (
        start_of_day(weeks[0][0].date),
        start_of_day(weeks[-1][-1].date + datetime.timedelta(days=1)),
    )


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def feed_token_for(user: User) -> CalendarFeedToken | None:
    """Her live feed address, if she has one."""
    return CalendarFeedToken.objects.filter(user=user, revoked_at__isnull=True).first()


def feed_token_find(token: str) -> CalendarFeedToken | None:
    """The live token with this secret, for an active user; None for anything else."""
    if not token or len(token) > 100:
        return None
    return (
        CalendarFeedToken.objects.select_related("user")
        .filter(token_hash=token_hash(token), revoked_at__isnull=True, user__is_active=True)
        .first()
    )


def feed_tokens(user: User) -> QuerySet[CalendarFeedToken]:
    return CalendarFeedToken.objects.filter(user=user).order_by("-created_at", "-pk")
