"""Japan time: the programme's days, fiscal years and opening hours are all in Asia/Tokyo.

Times are stored as aware UTC datetimes; these helpers turn them into the local days people
mean ("due today", "this fiscal year") without depending on the active time zone.
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

TOKYO = ZoneInfo(settings.TIME_ZONE)


def local_date(at: datetime.datetime) -> datetime.date:
    """The date in Tokyo at the instant `at`."""
    return timezone.localtime(at, TOKYO).date()


def start_of_day(day: datetime.date) -> datetime.datetime:
    """Midnight at the start of `day` in Tokyo, as an aware datetime."""
    return datetime.datetime.combine(day, datetime.time.min, tzinfo=TOKYO)


def local_datetime(day: datetime.date, time: datetime.time) -> datetime.datetime:
    """`day` at `time` in Tokyo, as an aware datetime."""
    return datetime.datetime.combine(day, time, tzinfo=TOKYO)


def fiscal_year_start(day: datetime.date) -> datetime.date:
    """Japanese fiscal years start on 1 April (令和4年度 = 2022-04-01 to 2023-03-31)."""
    return datetime.date(day.year if day.month >= 4 else day.year - 1, 4, 1)
