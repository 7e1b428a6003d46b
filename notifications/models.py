"""In-app notifications (with optional e-mail), shared by every feature."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.bounds import in_choices


class Notification(models.Model):
    class Kind(models.TextChoices):
        FOLLOWUP_DUE = "followup_due", _("Follow-up due")
        FOLLOWUP_OVERDUE = "followup_overdue", _("Follow-up overdue")
        CLOSURE_REQUESTED = "closure_requested", _("Closing awaits approval")
        CLOSURE_DECIDED = "closure_decided", _("Closing decided")
        # The title of a digest holds only counts and times, so its e-mail may quote it.
        DIGEST = "digest", _("Morning digest")
        OTHER = "other", _("Other")

    class EmailState(models.TextChoices):
        NONE = "none", _("No e-mail")
        PENDING = "pending", _("E-mail pending")
        SENDING = "sending", _("E-mail sending")
        SENT = "sent", _("E-mail sent")
        FAILED = "failed", _("E-mail failed")

    # After this many failed sends the e-mail is marked failed, for a person to look at.
    EMAIL_MAX_ATTEMPTS = 5

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    # Shown only inside the app, to its recipient; e-mails never carry personal details.
    title = models.CharField(_("title"), max_length=200)
    url = models.CharField(_("link"), max_length=300, blank=True)
    # Makes sending idempotent: one notification per (recipient, source event).
    dedupe_key = models.CharField(_("deduplication key"), max_length=120)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    email_state = models.CharField(
        _("e-mail"), max_length=10, choices=EmailState.choices, default=EmailState.NONE
    )
    email_attempts = models.PositiveSmallIntegerField(_("e-mail attempts"), default=0)
    # When a worker claimed the e-mail (pending -> sending); the retry sweep frees stale claims.
    email_claimed_at = models.DateTimeField(_("e-mail claimed at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)
    # The exception class of the last failure only: messages may quote addresses.
    email_error = models.CharField(_("last e-mail error"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "dedupe_key"], name="notifications_notification_once"
            ),
            models.CheckConstraint(
                condition=Q(email_state="sent", emailed_at__isnull=False) | ~Q(email_state="sent"),
                name="notifications_notification_sent_has_time",
            ),
            models.CheckConstraint(
                condition=in_choices(
                    "email_state", ["none", "pending", "sending", "sent", "failed"]
                ),
                name="notifications_notification_email_state_valid",
            ),
            models.CheckConstraint(
                condition=in_choices(
                    "kind",
                    [
                        "followup_due",
                        "followup_overdue",
                        "closure_requested",
                        "closure_decided",
                        "digest",
                        "other",
                    ],
                ),
                name="notifications_notification_kind_valid",
            ),
            # A claimed e-mail is one being sent (the retry sweep frees stale claims).
            models.CheckConstraint(
                condition=~Q(email_state="sending") | Q(email_claimed_at__isnull=False),
                name="notifications_notification_sending_has_claim",
            ),
        ]
        indexes = [
            # The unread badge in every page's navigation.
            models.Index(
                fields=["user"], condition=Q(read_at__isnull=True), name="notifications_unread_idx"
            ),
            models.Index(fields=["user", "-created_at"], name="notifications_user_idx"),
            # The e-mail retry sweep.
            models.Index(
                fields=["created_at"],
                condition=Q(email_state__in=["pending", "sending"]),
                name="notifications_email_due_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class DigestRun(models.Model):
    """One morning digest per user per day, whatever the number of beat ticks."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    date = models.DateField(_("date"))
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)
    item_count = models.PositiveIntegerField(_("follow-ups"), default=0)

    class Meta:
        verbose_name = _("morning digest")
        verbose_name_plural = _("morning digests")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "date"], name="notifications_digestrun_once_a_day"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.user_id}"
