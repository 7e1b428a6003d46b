"""In-app notifications (with optional e-mail), shared by every feature."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    class Kind(models.TextChoices):
        FOLLOWUP_DUE = "followup_due", _("Follow-up due")
        FOLLOWUP_OVERDUE = "followup_overdue", _("Follow-up overdue")
        CLOSURE_REQUESTED = "closure_requested", _("Closing awaits approval")
        CLOSURE_DECIDED = "closure_decided", _("Closing decided")
        OTHER = "other", _("Other")

    class EmailState(models.TextChoices):
        NONE = "none", _("No e-mail")
        PENDING = "pending", _("E-mail pending")
        SENDING = "sending", _("E-mail sending")
        SENT = "sent", _("E-mail sent")
        FAILED = "failed", _("E-mail failed")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    # Shown only inside the app, to its recipient; e-mails never carry personal details.
    title = models.CharField(_("title"), max_length=200)
    url = models.CharField(_("link"), max_length=300, blank=True)
    # Makes sending idempotent: one notification per (recipient, source event).
    dedupe_key = models.CharField(max_length=120)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    email_state = models.CharField(
        _("e-mail"), max_length=10, choices=EmailState.choices, default=EmailState.NONE
    )
    email_attempts = models.PositiveSmallIntegerField(default=0)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "dedupe_key"], name="notifications_notification_once"),
        ]
        indexes = [
            # The unread badge in every page's navigation.
            models.Index(fields=["user"], condition=Q(read_at__isnull=True), name="notifications_unread_idx"),
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

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    date = models.DateField()
    sent_at = models.DateTimeField(default=timezone.now)
    item_count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "date"], name="notifications_digestrun_once_a_day"),
        ]
