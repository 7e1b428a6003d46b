"""開設日: when the LINE consultation (and other channels) are open.

Weekly rules and exceptions (closures, extra openings) are what people edit; `Opening` rows are
the materialised occurrences (one per window actually held), so a consultation can point at
the window it belonged to and the yearly report counts openings by counting rows.

Every write goes through `openings.services`, which re-materialises the affected `Opening`
rows; reads ("is LINE open now?", the month calendar) go through `openings.selectors`.
"""

from __future__ import annotations

import pghistory
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.append_only import append_only_history
from core.bounds import (
    in_choices,
    in_date_range,
    in_range,
    validate_schedule_date,
)

# Channel's codes, for the constraints (a model's Meta cannot see the choices).
CHANNELS = ("line", "legal", "health")


class Channel(models.TextChoices):
    LINE = "line", _("LINE consultation")  # LINE相談
    LEGAL = "legal", _("Legal consultation")  # 法律相談
    HEALTH = "health", _("Health consultation")  # からだの相談


# Who changed the hours, and when: pghistory keeps every version of rules and exceptions,
# including deletions (a removed closure is as much a change of hours as an added one).
# (Fresh tracker instances per model: pghistory binds them to the model they decorate.)
def _trackers() -> tuple:
    return (pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent())


@pghistory.track(
    *_trackers(),
    meta={
        **append_only_history(),
        "verbose_name": _("opening rule history"),
        "verbose_name_plural": _("opening rule history"),
    },
)
class OpeningRule(models.Model):
    """A weekly opening, e.g. Wednesdays 14:00–20:00, valid over a date range."""

    class Weekday(models.IntegerChoices):
        # Python's date.weekday(): Monday is 0.
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    channel = models.CharField(
        _("channel"), max_length=10, choices=Channel.choices, default=Channel.LINE
    )
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    # Wall-clock times in Asia/Tokyo; a window never crosses midnight.
    start_time = models.TimeField(_("opens at"))
    end_time = models.TimeField(_("closes at"))
    valid_from = models.DateField(_("valid from"), validators=[validate_schedule_date])
    valid_until = models.DateField(
        _("valid until"), null=True, blank=True, validators=[validate_schedule_date]
    )

    class Meta:
        verbose_name = _("weekly opening")
        verbose_name_plural = _("weekly openings")
        ordering = ["channel", "weekday", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__gt=models.F("start_time")),
                name="openings_openingrule_ends_after_start",
                violation_error_message=_("The closing time must be after the opening time."),
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="openings_openingrule_valid_range",
                violation_error_message=_("“Valid until” must not be before “valid from”."),
            ),
            models.CheckConstraint(
                condition=Q(weekday__gte=0, weekday__lte=6),
                name="openings_openingrule_weekday",
                violation_error_message=_("Choose a day of the week."),
            ),
            models.CheckConstraint(
                condition=in_choices("channel", CHANNELS), name="openings_openingrule_channel_valid"
            ),
            models.CheckConstraint(
                condition=in_date_range("valid_from") & in_date_range("valid_until", nullable=True),
                name="openings_openingrule_dates_in_range",
                violation_error_message=_("Enter dates between 2000 and 2099."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start_time:%H:%M}–{self.end_time:%H:%M}"


@pghistory.track(
    *_trackers(),
    meta={
        **append_only_history(),
        "verbose_name": _("opening exception history"),
        "verbose_name_plural": _("opening exception history"),
    },
)
class OpeningException(models.Model):
    """A closure of the regular openings on one date, or an extra opening.

    A closure cancels the weekly rule occurrences of that date only; an extra opening on the
    same date is still held (closure + extra is how one day's hours are changed).
    """

    class Kind(models.TextChoices):
        CLOSURE = "closure", _("Closed")  # 休止
        EXTRA = "extra", _("Extra opening")  # 臨時開設

    channel = models.CharField(
        _("channel"), max_length=10, choices=Channel.choices, default=Channel.LINE
    )
    date = models.DateField(_("date"), validators=[validate_schedule_date])
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    # An extra opening needs its hours; a closure closes the whole day.
    start_time = models.TimeField(_("opens at"), null=True, blank=True)
    end_time = models.TimeField(_("closes at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("opening exception")
        verbose_name_plural = _("opening exceptions")
        ordering = ["date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="closure")
                | Q(
                    start_time__isnull=False,
                    end_time__isnull=False,
                    end_time__gt=models.F("start_time"),
                ),
                name="openings_openingexception_extra_has_hours",
                violation_error_message=_(
                    "An extra opening needs an opening time and a later closing time."
                ),
            ),
            models.UniqueConstraint(
                fields=["channel", "date"],
                condition=Q(kind="closure"),
                name="openings_openingexception_one_closure_per_day",
                violation_error_message=_("This date is already closed for this channel."),
            ),
            models.UniqueConstraint(
                fields=["channel", "date", "start_time"],
                condition=Q(kind="extra"),
                name="openings_openingexception_one_extra_per_start",
                violation_error_message=_(
                    "An extra opening starting at this time already exists on this date."
                ),
            ),
            models.CheckConstraint(
                condition=in_choices("kind", ["closure", "extra"]),
                name="openings_openingexception_kind_valid",
            ),
            models.CheckConstraint(
                condition=in_choices("channel", CHANNELS),
                name="openings_openingexception_channel_valid",
            ),
            # A closure closes the whole day: it has no hours of its own.
            models.CheckConstraint(
                condition=~Q(kind="closure") | Q(start_time__isnull=True, end_time__isnull=True),
                name="openings_openingexception_closure_has_no_hours",
                violation_error_message=_("A closure closes the whole day; leave the times empty."),
            ),
            models.CheckConstraint(
                condition=in_date_range("date"),
                name="openings_openingexception_date_in_range",
                violation_error_message=_("Enter a date between 2000 and 2099."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"


class Opening(models.Model):
    """One window actually held (or planned): a materialised rule occurrence or extra opening.

    Rows are derived data, written only by `openings_materialize`. A row a consultation points
    at is kept even when the rules change, so past records keep their window.
    """

    channel = models.CharField(
        _("channel"), max_length=10, choices=Channel.choices, default=Channel.LINE
    )
    starts_at = models.DateTimeField(_("opens at"))
    ends_at = models.DateTimeField(_("closes at"))
    rule = models.ForeignKey(
        OpeningRule,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="openings",
        verbose_name=_("weekly opening"),
    )
    exception = models.ForeignKey(
        OpeningException,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="openings",
        verbose_name=_("extra opening"),
    )

    class Meta:
        verbose_name = _("opening")
        verbose_name_plural = _("openings")
        ordering = ["starts_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "starts_at"], name="openings_opening_unique_start"
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")),
                name="openings_opening_ends_after_start",
            ),
            models.CheckConstraint(
                condition=in_choices("channel", CHANNELS), name="openings_opening_channel_valid"
            ),
            models.CheckConstraint(
                condition=in_range("starts_at"), name="openings_opening_starts_in_range"
            ),
        ]
        # "The window containing this instant" and range scans for the calendar.
        indexes = [
            models.Index(
                fields=["channel", "starts_at", "ends_at"], name="openings_opening_span_idx"
            )
        ]

    def __str__(self) -> str:
        return f"{timezone.localtime(self.starts_at):%Y-%m-%d %H:%M}"

    @property
    def is_extra(self) -> bool:
        return self.exception_id is not None
