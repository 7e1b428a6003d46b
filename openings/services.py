"""Writes for opening windows (開設日): rules, exceptions, and their materialised Openings.

Every change of a rule or exception re-materialises the Opening rows it affects in the same
transaction, so rows and rules never disagree. pghistory records each version of a rule or
exception with who made the change (`pghistory.context(user=...)`).
"""

from __future__ import annotations

import datetime
import zlib

import pghistory
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import User
from core.time import local_date

from .models import Channel, Opening, OpeningException, OpeningRule
from .selectors import day_bounds, planned_openings

# The beat task keeps this many days ahead materialised; rule changes re-materialise at least
# this far.
MATERIALIZE_AHEAD_DAYS = 90

RULE_FIELDS = ("channel", "weekday", "start_time", "end_time", "valid_from", "valid_until")
EXCEPTION_FIELDS = ("channel", "date", "kind", "start_time", "end_time", "note")


def _recorded(by: User | None, action: str) -> pghistory.context:
    """The pghistory context of a change: who made it (None: the system) and which service."""
    return pghistory.context(user=by.pk if by else None, action=action)


def _lock_channel(channel: str) -> None:
    # Two materialisations of one channel (the beat task and an edit) would otherwise insert
    # and delete the same rows concurrently; serialise them for the rest of the transaction.
    key = zlib.crc32(f"openings.materialize:{channel}".encode())
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


@transaction.atomic
def openings_materialize(
    *, start: datetime.date, end: datetime.date, channel: str = Channel.LINE
) -> int:
    """Make the Opening rows of `channel` in [start, end] (Tokyo dates) match the rules.

    Creates a row for each rule occurrence not closed by an exception and for each extra
    opening; updates rows whose hours changed; deletes rows no rule or extra calls for any
    more, unless a consultation points at them (the record of a window held is kept).
    Idempotent. Returns the number of rows created.
    """
    if end < start:
        raise ValueError("end must not be before start")
    if channel not in Channel.values:
        raise ValueError(f"unknown channel {channel!r}")
    _lock_channel(channel)

    wanted = {o.starts_at: o for o in planned_openings(start=start, end=end, channel=channel)}
    lower, upper = day_bounds(start, end)
    existing = {
        o.starts_at: o
        for o in Opening.objects.filter(channel=channel, starts_at__gte=lower, starts_at__lt=upper)
    }

    changed = []
    for starts_at, row in existing.items():
        want = wanted.get(starts_at)
        if want is None:
            continue
        if (row.ends_at, row.rule_id, row.exception_id) != (
            want.ends_at,
            want.rule_id,
            want.exception_id,
        ):
            row.ends_at, row.rule_id, row.exception_id = (
                want.ends_at,
                want.rule_id,
                want.exception_id,
            )
            changed.append(row)
    if changed:
        Opening.objects.bulk_update(changed, ["ends_at", "rule", "exception"])

    stale = [row.pk for starts_at, row in existing.items() if starts_at not in wanted]
    if stale:
        Opening.objects.filter(pk__in=stale, consultations__isnull=True).delete()

    missing = [o for starts_at, o in wanted.items() if starts_at not in existing]
    # The unique (channel, starts_at) constraint is the backstop should a row appear anyway.
    Opening.objects.bulk_create(missing, ignore_conflicts=True)
    return len(missing)


def _horizon(channel: str) -> datetime.date:
    """The last date to re-materialise after a rule change: the beat task's horizon, or the
    last materialised opening if someone materialised further."""
    ahead = timezone.localdate() + datetime.timedelta(days=MATERIALIZE_AHEAD_DAYS)
    last = Opening.objects.filter(channel=channel).aggregate(last=Max("starts_at"))["last"]
    if last is None:
        return ahead
    return max(ahead, local_date(last))


def _rematerialize_from(channel: str, start: datetime.date) -> None:
    end = _horizon(channel)
    if end >= start:
        openings_materialize(start=start, end=end, channel=channel)


# --- weekly rules ----------------------------------------------------------------------------


@transaction.atomic
def opening_rule_create(
    *,
    channel: str,
    weekday: int,
    start_time: datetime.time,
    end_time: datetime.time,
    valid_from: datetime.date,
    valid_until: datetime.date | None = None,
    by: User | None,
) -> OpeningRule:
    """Add a weekly opening and materialise it from `valid_from` to the horizon."""
    rule = OpeningRule(
        channel=channel,
        weekday=weekday,
        start_time=start_time,
        end_time=end_time,
        valid_from=valid_from,
        valid_until=valid_until,
    )
    rule.full_clean()
    with _recorded(by, "opening_rule_create"):
        rule.save()
    _rematerialize_from(rule.channel, rule.valid_from)
    return rule


@transaction.atomic
def opening_rule_update(
    *,
    rule: OpeningRule,
    channel: str,
    weekday: int,
    start_time: datetime.time,
    end_time: datetime.time,
    valid_from: datetime.date,
    valid_until: datetime.date | None,
    by: User | None,
) -> OpeningRule:
    """Change a weekly opening; re-materialises every date it covered or now covers."""
    # Lock the stored row: a concurrent edit would leave us re-materialising from stale dates.
    before = OpeningRule.objects.select_for_update().get(pk=rule.pk)
    for name, value in zip(
        RULE_FIELDS, (channel, weekday, start_time, end_time, valid_from, valid_until), strict=True
    ):
        setattr(rule, name, value)
    rule.full_clean()
    with _recorded(by, "opening_rule_update"):
        rule.save()
    _rematerialize_from(before.channel, min(before.valid_from, rule.valid_from))
    if rule.channel != before.channel:
        _rematerialize_from(rule.channel, rule.valid_from)
    return rule


@transaction.atomic
def opening_rule_delete(*, rule: OpeningRule, by: User | None) -> None:
    """Remove a weekly opening; its future (and unused past) Opening rows go with it."""
    channel, valid_from = rule.channel, rule.valid_from
    with _recorded(by, "opening_rule_delete"):
        rule.delete()
    _rematerialize_from(channel, valid_from)


# --- exceptions: closures and extra openings -------------------------------------------------

# What says when a window is held; the note is only a comment on it.
SCHEDULE_FIELDS = ("channel", "date", "kind", "start_time", "end_time")


def _today() -> datetime.date:
    return local_date(timezone.now())


def _has_regular_opening(channel: str, day: datetime.date) -> bool:
    """Does a weekly rule open `channel` on `day` (a materialised rule window, or a rule that
    would open it)? Closures are not looked at: this is what a closure would cancel."""
    lower, upper = day_bounds(day, day)
    materialised = Opening.objects.filter(
        channel=channel, starts_at__gte=lower, starts_at__lt=upper, rule__isnull=False
    )
    rules = OpeningRule.objects.filter(
        channel=channel, weekday=day.weekday(), valid_from__lte=day
    ).filter(Q(valid_until__isnull=True) | Q(valid_until__gte=day))
    return materialised.exists() or rules.exists()


def _check_schedule(exception: OpeningException) -> None:
    """The rules of the calendar the model cannot hold (they depend on today and on the rules).

    The past is not rewritten: the Opening rows of a day gone by are the record of what was
    held (consultations point at them, the yearly report counts them). A closure only cancels
    weekly openings, so one on a day without any would change nothing (an extra opening is
    removed by removing it)."""
    if exception.date < _today():
        if exception.kind == OpeningException.Kind.CLOSURE:
            message = _("A day in the past cannot be closed. Choose today or a later day.")
        else:
            message = _(
                "An extra opening cannot be added on a day in the past. "
                "Choose today or a later day."
            )
        raise ValidationError({"date": message})
    if exception.kind == OpeningException.Kind.CLOSURE and not _has_regular_opening(
        exception.channel, exception.date
    ):
        raise ValidationError(
            {
                "date": _(
                    "%(channel)s has no regular opening on %(date)s, so there is nothing to close."
                )
                % {
                    "channel": Channel(exception.channel).label,
                    "date": date_format(exception.date, "DATE_FORMAT"),
                }
            }
        )


def _save_exception(exception: OpeningException) -> None:
    if exception.kind == OpeningException.Kind.CLOSURE:
        # A closure closes the whole day; hours on it would mean nothing.
        exception.start_time = exception.end_time = None
    exception.full_clean()
    try:
        with transaction.atomic():
            exception.save()
    except IntegrityError:
        # Lost a race with an identical exception saved between full_clean() and save().
        raise ValidationError(_("The same closure or extra opening already exists.")) from None


@transaction.atomic
def opening_exception_create(
    *,
    channel: str,
    date: datetime.date,
    kind: str,
    start_time: datetime.time | None = None,
    end_time: datetime.time | None = None,
    note: str = "",
    by: User | None,
) -> OpeningException:
    """Close a date (休止) or add an extra opening (臨時開設), and re-materialise that date.

    Refused (ValidationError on "date") on a day before today in Tokyo, and for a closure on
    a day the channel has no weekly opening."""
    exception = OpeningException(
        channel=channel,
        date=date,
        kind=kind,
        start_time=start_time,
        end_time=end_time,
        note=note,
    )
    if exception.kind == OpeningException.Kind.CLOSURE:
        exception.start_time = exception.end_time = None
    exception.full_clean()
    # The channel's materialisation lock: a rule change running now cannot remove the opening
    # this closure is checked against between the check and the save.
    _lock_channel(exception.channel)
    _check_schedule(exception)
    with _recorded(by, "opening_exception_create"):
        _save_exception(exception)
    openings_materialize(start=exception.date, end=exception.date, channel=exception.channel)
    return exception


@transaction.atomic
def opening_exception_update(
    *,
    exception: OpeningException,
    channel: str,
    date: datetime.date,
    kind: str,
    start_time: datetime.time | None,
    end_time: datetime.time | None,
    note: str,
    by: User | None,
) -> OpeningException:
    """Change a closure or extra opening; re-materialises its old and new dates.

    Of one on a past day only the note may change; new hours obey the rules of
    `opening_exception_create`."""
    # Lock the stored row: a concurrent edit would leave the old date un-materialised.
    before = OpeningException.objects.select_for_update().get(pk=exception.pk)
    for name, value in zip(
        EXCEPTION_FIELDS, (channel, date, kind, start_time, end_time, note), strict=True
    ):
        setattr(exception, name, value)
    if exception.kind == OpeningException.Kind.CLOSURE:
        exception.start_time = exception.end_time = None
    rescheduled = any(getattr(before, f) != getattr(exception, f) for f in SCHEDULE_FIELDS)
    if rescheduled:
        if before.date < _today():
            raise ValidationError(
                _(
                    "This closure or extra opening was on a day in the past: only its note can "
                    "be changed."
                )
            )
        exception.full_clean()
        _lock_channel(exception.channel)  # as in opening_exception_create
        _check_schedule(exception)
    with _recorded(by, "opening_exception_update"):
        _save_exception(exception)
    openings_materialize(start=before.date, end=before.date, channel=before.channel)
    if (before.channel, before.date) != (exception.channel, exception.date):
        openings_materialize(start=exception.date, end=exception.date, channel=exception.channel)
    return exception


@transaction.atomic
def opening_exception_delete(*, exception: OpeningException, by: User | None) -> None:
    """Remove a closure or extra opening and re-materialise its date.

    Refused for one on a day before today: that day's openings are the record of what was
    held."""
    # Lock the stored row: a concurrent edit moving it to another date would otherwise leave
    # us re-materialising the old date only.
    stored = OpeningException.objects.select_for_update().filter(pk=exception.pk).first()
    if stored is None:
        raise ValidationError(_("This closure or extra opening has already been removed."))
    if stored.date < _today():
        raise ValidationError(
            _(
                "A closure or extra opening on a day in the past cannot be removed: that day's "
                "record stays as it was."
            )
        )
    channel, date = stored.channel, stored.date
    with _recorded(by, "opening_exception_delete"):
        stored.delete()
    openings_materialize(start=date, end=date, channel=channel)


# --- the programme's defaults ------------------------------------------------------------------


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> datetime.date:
    """The n-th `weekday` (Monday 0) of a month; n = -1 for the last one."""
    if n > 0:
        first = datetime.date(year, month, 1)
        return first + datetime.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    following = datetime.date(year + month // 12, month % 12 + 1, 1)
    last = following - datetime.timedelta(days=1)
    return last - datetime.timedelta(days=(last.weekday() - weekday) % 7)


@transaction.atomic
def openings_seed_programme_defaults(
    *, fiscal_year_start: datetime.date = datetime.date(2022, 4, 1)
) -> dict[str, int]:
    """Create the programme's opening pattern for a fiscal year and materialise that year.

    Idempotent (running it again changes nothing). Returns the rows created per channel.

    The FY2022 report counts 105 LINE openings: the weekly rule (Wednesdays 14:00–20:00,
    Sundays 10:00–16:00) gives 104 occurrences, minus the closure on New Year's Day
    (2023-01-01, a Sunday) = 103, plus 2 extra openings = 105. The report does not give the
    extra dates; we hold them on Saturdays when other help is hard to reach: the Obon week
    (2nd Saturday of August) and the year-end holidays (last Saturday of December).
    Expert consultations over LINE: legal (法律相談) 2 days and health (からだの相談) 2 days,
    on Saturday afternoons in September and February.
    """
    fy_start = fiscal_year_start
    fy_end = datetime.date(fy_start.year + 1, fy_start.month, fy_start.day) - datetime.timedelta(
        days=1
    )
    year, next_year = fy_start.year, fy_start.year + 1
    weekday = OpeningRule.Weekday
    wed, sat, sun = weekday.WEDNESDAY, weekday.SATURDAY, weekday.SUNDAY
    time = datetime.time
    legal_note = "弁護士によるLINE法律相談"
    health_note = "看護師・助産師によるLINEからだの相談"
    extras = [
        (Channel.LINE, _nth_weekday(year, 8, sat, 2), time(14), time(20), "夏季臨時開設"),
        (Channel.LINE, _nth_weekday(year, 12, sat, -1), time(14), time(20), "年末臨時開設"),
        (Channel.LEGAL, _nth_weekday(year, 9, sat, 3), time(13), time(17), legal_note),
        (Channel.LEGAL, _nth_weekday(next_year, 2, sat, 3), time(13), time(17), legal_note),
        (Channel.HEALTH, _nth_weekday(year, 9, sat, 4), time(13), time(17), health_note),
        (Channel.HEALTH, _nth_weekday(next_year, 2, sat, 4), time(13), time(17), health_note),
    ]

    with pghistory.context(action="openings_seed_programme_defaults"):
        for day, start_time, end_time in ((wed, time(14), time(20)), (sun, time(10), time(16))):
            OpeningRule.objects.get_or_create(
                channel=Channel.LINE,
                weekday=day,
                start_time=start_time,
                end_time=end_time,
                valid_from=fy_start,
            )
        OpeningException.objects.get_or_create(
            channel=Channel.LINE,
            date=datetime.date(next_year, 1, 1),
            kind=OpeningException.Kind.CLOSURE,
            defaults={"note": "元日のため休止"},
        )
        for channel, date, start_time, end_time, note in extras:
            OpeningException.objects.get_or_create(
                channel=channel,
                date=date,
                kind=OpeningException.Kind.EXTRA,
                start_time=start_time,
                defaults={"end_time": end_time, "note": note},
            )
    return {
        channel: openings_materialize(start=fy_start, end=fy_end, channel=channel)
        for channel in Channel.values
    }
