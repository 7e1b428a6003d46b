"""開設日: when the LINE consultation (and other channels) are open.

Weekly rules and exceptions (closures, extra openings) are what people edit; `Opening` rows are
the materialised occurrences (one per window actually held), so a consultation can point at
the window it belonged to and the yearly report counts openings by counting rows.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    LINE = "line", _("LINE consultation")
    LEGAL = "legal", _("Legal consultation")
    HEALTH = "health", _("Health consultation")


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

    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.LINE)
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start_time = models.TimeField(_("opens at"))
    end_time = models.TimeField(_("closes at"))
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    class Meta:
        verbose_name = _("weekly opening")
        verbose_name_plural = _("weekly openings")
        ordering = ["channel", "weekday", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__gt=models.F("start_time")),
                name="openings_openingrule_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="openings_openingrule_valid_range",
            ),
            models.CheckConstraint(
                condition=Q(weekday__gte=0, weekday__lte=6), name="openings_openingrule_weekday"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start_time:%H:%M}–{self.end_time:%H:%M}"


class OpeningException(models.Model):
    """A closure of a regular opening on one date, or an extra opening."""

    class Kind(models.TextChoices):
        CLOSURE = "closure", _("Closed")  # 休止
        EXTRA = "extra", _("Extra opening")  # 臨時開設

    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.LINE)
    date = models.DateField(_("date"))
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
                | Q(start_time__isnull=False, end_time__isnull=False, end_time__gt=models.F("start_time")),
                name="openings_openingexception_extra_has_hours",
            ),
            models.UniqueConstraint(
                fields=["channel", "date"],
                condition=Q(kind="closure"),
                name="openings_openingexception_one_closure_per_day",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()}"


class Opening(models.Model):
    """One window actually held (or planned): a materialised rule occurrence or extra opening."""

    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, default=Channel.LINE)
    starts_at = models.DateTimeField(_("opens at"))
    ends_at = models.DateTimeField(_("closes at"))
    rule = models.ForeignKey(
        OpeningRule, on_delete=models.SET_NULL, null=True, blank=True, related_name="openings"
    )
    exception = models.ForeignKey(
        OpeningException, on_delete=models.SET_NULL, null=True, blank=True, related_name="openings"
    )

    class Meta:
        verbose_name = _("opening")
        verbose_name_plural = _("openings")
        ordering = ["starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["channel", "starts_at"], name="openings_opening_unique_start"),
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="openings_opening_ends_after_start"
            ),
        ]
        indexes = [models.Index(fields=["channel", "starts_at", "ends_at"], name="openings_opening_span_idx")]

    def __str__(self) -> str:
        return f"{self.starts_at:%Y-%m-%d %H:%M}"
