"""The sane range of every date and the length of every free text, in one place.

A value outside these bounds is refused with a message by the form and again by the service;
the stored facts carry a CheckConstraint on the fixed bounds as well. The programme's data
start on 2000-01-01; a fact (a consultation, a first contact) is never more than a year ahead,
a schedule (a follow-up due time, an opening) never more than five.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import LessThanOrEqual
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from .time import TOKYO, local_date

EARLIEST_DATE = datetime.date(2000, 1, 1)
EARLIEST = datetime.datetime.combine(EARLIEST_DATE, datetime.time.min, tzinfo=TOKYO)
# The fixed upper bound the database holds every stored time to (the relative bounds below
# cannot live in a CHECK constraint, which must not depend on the clock).
LATEST_DATE = datetime.date(2100, 1, 1)
LATEST = datetime.datetime.combine(LATEST_DATE, datetime.time.min, tzinfo=TOKYO)
FACT_AHEAD = datetime.timedelta(days=366)
SCHEDULE_AHEAD = datetime.timedelta(days=5 * 366)

# A fact is recorded once it has happened. A consultation may start a little ahead of the
# clock (a counselor pressing "starting now" a minute early) and end up to an hour ahead (the
# default length given to one that has just started, corrected when it ends).
STARTED_GRACE = datetime.timedelta(minutes=15)
ENDS_AHEAD = datetime.timedelta(hours=1)

# Free text: case notes, summaries and the like; reasons and short comments.
NOTE_MAX = 10_000
REASON_MAX = 1_000


def _latest(schedule: bool, now: datetime.datetime | None) -> datetime.datetime:
    return (now or timezone.now()) + (SCHEDULE_AHEAD if schedule else FACT_AHEAD)


def _out_of_range(latest: datetime.date) -> str:
    return _("Enter a date between %(earliest)s and %(latest)s.") % {
        "earliest": formats.date_format(EARLIEST_DATE, "SHORT_DATE_FORMAT"),
        "latest": formats.date_format(latest, "SHORT_DATE_FORMAT"),
    }


def datetime_problem(
    value: datetime.datetime | None, *, schedule: bool = False, now=None
) -> str | None:
    """Why `value` is out of range, or None when it is fine (or empty)."""
    if value is None:
        return None
    latest = _latest(schedule, now)
    if timezone.is_naive(value):
        value = timezone.make_aware(value, TOKYO)
    if value < EARLIEST or value > latest:
        return _out_of_range(local_date(latest))
    return None


def date_problem(value: datetime.date | None, *, schedule: bool = False, now=None) -> str | None:
    if value is None:
        return None
    latest = local_date(_latest(schedule, now))
    if value < EARLIEST_DATE or value > latest:
        return _out_of_range(latest)
    return None


def happened_problem(
    value: datetime.datetime | None, *, ahead: datetime.timedelta = STARTED_GRACE, now=None
) -> str | None:
    """Why `value`, the time something happened, cannot be right: later than `ahead` from now."""
    if value is None:
        return None
    if value > (now or timezone.now()) + ahead:
        return _("This time is in the future. Enter when it happened.")
    return None


def text_problem(value: str | None, *, limit: int) -> str | None:
    if value is not None and len(value) > limit:
        return _("Keep this to %(limit)d characters (it has %(length)d).") % {
            "limit": limit,
            "length": len(value),
        }
    return None


def check_bounds(
    *,
    datetimes: dict[str, datetime.datetime | None] | None = None,
    schedules: dict[str, datetime.datetime | datetime.date | None] | None = None,
    dates: dict[str, datetime.date | None] | None = None,
    texts: dict[str, tuple[str | None, int]] | None = None,
) -> None:
    """Raise one ValidationError keyed by field for every value out of its range."""
    errors: dict[str, str] = {}
    for name, value in (datetimes or {}).items():
        if problem := datetime_problem(value):
            errors[name] = problem
    for name, value in (dates or {}).items():
        if problem := date_problem(value):
            errors[name] = problem
    for name, value in (schedules or {}).items():
        if isinstance(value, datetime.datetime):
            problem = datetime_problem(value, schedule=True)
        else:
            problem = date_problem(value, schedule=True)
        if problem:
            errors[name] = problem
    for name, (value, limit) in (texts or {}).items():
        if problem := text_problem(value, limit=limit):
            errors[name] = problem
    if errors:
        raise ValidationError(errors, code="out_of_range")


# --- validators for form fields (and model fields the admin edits) ------------------------


def validate_fact_datetime(value: datetime.datetime | None) -> None:
    if problem := datetime_problem(value):
        raise ValidationError(problem, code="out_of_range")


def validate_fact_date(value: datetime.date | None) -> None:
    if problem := date_problem(value):
        raise ValidationError(problem, code="out_of_range")


def validate_schedule_datetime(value: datetime.datetime | None) -> None:
    if problem := datetime_problem(value, schedule=True):
        raise ValidationError(problem, code="out_of_range")


def validate_schedule_date(value: datetime.date | None) -> None:
    if problem := date_problem(value, schedule=True):
        raise ValidationError(problem, code="out_of_range")


# --- the same bounds as CheckConstraint conditions ------------------------------------------


def in_choices(field: str, values: Iterable[str], *, blank: bool = False) -> Q:
    """A status, state or kind column holds one of its choices (or "" where it may be blank).

    The values are spelt out because a model's Meta cannot see its nested choices;
    `cases/tests/test_rules.py` checks each such constraint against the field's choices.
    """
    return Q(**{f"{field}__in": [*values, *([""] if blank else [])]})


def in_range(field: str, *, nullable: bool = False) -> Q:
    """A stored time (or date) inside the programme's fixed range."""
    q = Q(**{f"{field}__gte": EARLIEST, f"{field}__lt": LATEST})
    return q | Q(**{f"{field}__isnull": True}) if nullable else q


def in_date_range(field: str, *, nullable: bool = False) -> Q:
    q = Q(**{f"{field}__gte": EARLIEST_DATE, f"{field}__lt": LATEST_DATE})
    return q | Q(**{f"{field}__isnull": True}) if nullable else q


def pair(when: str, who: str) -> Q:
    """An actor/time pair: both recorded or neither."""
    return Q(**{f"{when}__isnull": True, f"{who}__isnull": True}) | Q(
        **{f"{when}__isnull": False, f"{who}__isnull": False}
    )


def max_length(field: str, limit: int) -> LessThanOrEqual:
    """A free text no longer than its bound (a TextField's column has no length of its own)."""
    return LessThanOrEqual(Length(field), limit)
