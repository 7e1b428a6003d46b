"""Peer-support sessions (ピアサポート) and expert consultation days (専門相談日).

A peer-support session is a group (e.g. パステルアート) a coordinator plans; counselors register
the women who agree to come (a linked client), anonymous participants are a head count, and
attendance is taken after the session. An expert day is a lawyer's or a nurse's day of LINE
consultations, cut into slots; a counselor books a client into a slot with a short referral
note, and the expert records the consultation (a `cases.Consultation` of kind legal/health).

Every state change goes through `activities.services`; reads scoped to a user go through
`activities.selectors`.
"""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.append_only import append_only_history
from core.bounds import NOTE_MAX, in_choices, in_range

# Short texts: a referral note is for the expert, so it stays short on purpose.
REFERRAL_NOTE_MAX = 300
TITLE_MAX = 100


def _history(name: str) -> dict:
    return {**append_only_history(), "verbose_name": name, "verbose_name_plural": name}


@pghistory.track(meta=_history(_("peer session history")))
class PeerSession(models.Model):
    """ピアサポート: a group session where women talk while making something together."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")  # 予定
        HELD = "held", _("Held")  # 実施
        CANCELLED = "cancelled", _("Cancelled")  # 中止

    title = models.CharField(_("title"), max_length=TITLE_MAX)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    online = models.BooleanField(_("online"), default=False)
    facilitators = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="facilitated_peer_sessions",
        verbose_name=_("facilitators (staff)"),
    )
    peer_supporters = models.CharField(_("peer supporters"), max_length=200, blank=True)
    capacity = models.PositiveSmallIntegerField(_("capacity"))
    materials = models.CharField(_("materials"), max_length=300, blank=True)
    notes = models.TextField(_("notes"), max_length=NOTE_MAX, blank=True)
    # Women who came without a linked record: a head count, registered and then present.
    anonymous_registered = models.PositiveSmallIntegerField(
        _("anonymous participants registered"), default=0
    )
    anonymous_attended = models.PositiveSmallIntegerField(
        _("anonymous participants present"), default=0
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PLANNED
    )
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("peer-support session")
        verbose_name_plural = _("peer-support sessions")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="activities_peersession_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(capacity__gte=1, capacity__lte=200),
                name="activities_peersession_capacity_range",
            ),
            models.CheckConstraint(
                condition=in_choices("status", ["planned", "held", "cancelled"]),
                name="activities_peersession_status_valid",
            ),
            models.CheckConstraint(condition=~Q(title=""), name="activities_peersession_title_set"),
            models.CheckConstraint(
                condition=Q(online=True) | ~Q(venue=""),
                name="activities_peersession_venue_or_online",
            ),
            models.CheckConstraint(
                condition=in_range("starts_at"), name="activities_peersession_starts_in_range"
            ),
            # Attendance is taken only for a session held.
            models.CheckConstraint(
                condition=Q(status="held") | Q(anonymous_attended=0),
                name="activities_peersession_attended_only_when_held",
            ),
        ]
        indexes = [
            # The calendar and the report: sessions by time.
            models.Index(fields=["starts_at"], name="activities_session_time_idx")
        ]

    def __str__(self) -> str:
        return f"{timezone.localtime(self.starts_at):%Y-%m-%d %H:%M} {self.title}"


@pghistory.track(meta=_history(_("session registration history")))
class SessionRegistration(models.Model):
    """A woman registered for a session by her counselor, with her agreement."""

    class Status(models.TextChoices):
        REGISTERED = "registered", _("Registered")  # 申込
        ATTENDED = "attended", _("Attended")  # 参加
        ABSENT = "absent", _("Absent")  # 欠席
        WITHDRAWN = "withdrawn", _("Withdrawn")  # 取消

    session = models.ForeignKey(
        PeerSession,
        on_delete=models.PROTECT,
        related_name="registrations",
        verbose_name=_("session"),
    )
    client = models.ForeignKey(
        "cases.Client",
        on_delete=models.PROTECT,
        related_name="peer_registrations",
        verbose_name=_("client"),
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.REGISTERED
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("registered by"),
    )
    registered_at = models.DateTimeField(_("registered at"), default=timezone.now)
    # She agreed to be contacted about the session herself (a LINE invitation), asked by the
    # counselor who registered her.
    contact_agreed = models.BooleanField(_("agreed to be contacted about it"), default=False)
    # The day-before reminder to her counselor (a follow-up).
    reminder = models.ForeignKey(
        "followups.FollowUp",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reminder"),
    )

    class Meta:
        verbose_name = _("session registration")
        verbose_name_plural = _("session registrations")
        ordering = ["session", "registered_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "client"], name="activities_registration_once_per_session"
            ),
            models.CheckConstraint(
                condition=in_choices("status", ["registered", "attended", "absent", "withdrawn"]),
                name="activities_registration_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.session_id}:{self.client_id}"


@pghistory.track(meta=_history(_("expert day history")))
class ExpertDay(models.Model):
    """専門相談日: a day on which a lawyer (法律相談) or a nurse or midwife (からだの相談) answers
    over LINE, cut into slots."""

    class Kind(models.TextChoices):
        LEGAL = "legal", _("Legal consultation")  # 法律相談
        HEALTH = "health", _("Health consultation")  # からだの相談

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        HELD = "held", _("Held")
        CANCELLED = "cancelled", _("Cancelled")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    expert = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="expert_days",
        verbose_name=_("expert"),
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    notes = models.CharField(_("notes"), max_length=300, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PLANNED
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("expert day")
        verbose_name_plural = _("expert days")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="activities_expertday_ends_after_start",
            ),
            models.CheckConstraint(
                condition=in_choices("kind", ["legal", "health"]),
                name="activities_expertday_kind_valid",
            ),
            models.CheckConstraint(
                condition=in_choices("status", ["planned", "held", "cancelled"]),
                name="activities_expertday_status_valid",
            ),
            models.CheckConstraint(
                condition=in_range("starts_at"), name="activities_expertday_starts_in_range"
            ),
        ]
        indexes = [
            # Her own days, by time (the expert's page); all days by time (calendar, report).
            models.Index(fields=["expert", "starts_at"], name="activities_day_expert_idx"),
            models.Index(fields=["starts_at"], name="activities_day_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{timezone.localtime(self.starts_at):%Y-%m-%d} {self.get_kind_display()}"


class ExpertSlot(models.Model):
    """A time on an expert day that one woman may be booked into."""

    day = models.ForeignKey(
        ExpertDay, on_delete=models.CASCADE, related_name="slots", verbose_name=_("expert day")
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))

    class Meta:
        verbose_name = _("slot")
        verbose_name_plural = _("slots")
        ordering = ["starts_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["day", "starts_at"], name="activities_slot_unique_start"
            ),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="activities_slot_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{timezone.localtime(self.starts_at):%H:%M}–{timezone.localtime(self.ends_at):%H:%M}"
        )


@pghistory.track(meta=_history(_("expert booking history")))
class ExpertBooking(models.Model):
    """A woman booked into a slot by a counselor, with a short note for the expert; the
    expert's record of the consultation once held."""

    class Status(models.TextChoices):
        BOOKED = "booked", _("Booked")  # 予約
        RECORDED = "recorded", _("Recorded")  # 相談済
        NO_SHOW = "no_show", _("Did not come")  # 不参加
        CANCELLED = "cancelled", _("Cancelled")  # 取消

    slot = models.ForeignKey(
        ExpertSlot, on_delete=models.PROTECT, related_name="bookings", verbose_name=_("slot")
    )
    client = models.ForeignKey(
        "cases.Client",
        on_delete=models.PROTECT,
        related_name="expert_bookings",
        verbose_name=_("client"),
    )
    referral_note = models.CharField(_("referral note"), max_length=REFERRAL_NOTE_MAX)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("booked by"),
    )
    booked_at = models.DateTimeField(_("booked at"), default=timezone.now)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.BOOKED
    )
    # The expert's record: the consultation she recorded, and the follow-up she asked for.
    consultation = models.OneToOneField(
        "cases.Consultation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="expert_booking",
        verbose_name=_("consultation"),
    )
    followup = models.ForeignKey(
        "followups.FollowUp",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("follow-up"),
    )
    reminder = models.ForeignKey(
        "followups.FollowUp",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reminder"),
    )

    class Meta:
        verbose_name = _("expert booking")
        verbose_name_plural = _("expert bookings")
        ordering = ["slot__starts_at", "id"]
        constraints = [
            # One woman per slot: a cancelled booking frees it.
            models.UniqueConstraint(
                fields=["slot"],
                condition=~Q(status="cancelled"),
                name="activities_booking_one_per_slot",
            ),
            models.CheckConstraint(
                condition=in_choices("status", ["booked", "recorded", "no_show", "cancelled"]),
                name="activities_booking_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="recorded") | Q(consultation__isnull=False),
                name="activities_booking_recorded_has_consultation",
            ),
            models.CheckConstraint(
                condition=~Q(referral_note=""), name="activities_booking_note_set"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.slot}"
