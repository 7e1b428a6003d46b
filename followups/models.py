"""Follow-ups (フォローアップ): a promise to do something for a client by a time.

The FollowUp row is the source of truth for reminders; Celery only acts on rows it claims, so a
lost message or a dead worker delays a reminder by one sweep and never loses or repeats it.
"""

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.append_only import append_only_history
from core.bounds import in_choices, in_range, pair


@pghistory.track(
    meta={
        **append_only_history(),
        "verbose_name": _("follow-up history"),
        "verbose_name_plural": _("follow-up history"),
    }
)
class FollowUp(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("Pending")  # 未通知
        NOTIFIED = "notified", _("Notified")  # 通知済
        DONE = "done", _("Done")  # 完了
        CANCELLED = "cancelled", _("Cancelled")  # 取消

    OPEN_STATES = (State.PENDING, State.NOTIFIED)

    client = models.ForeignKey(
        "cases.Client", on_delete=models.CASCADE, related_name="followups", verbose_name=_("client")
    )
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="followups",
        verbose_name=_("case"),
    )
    consultation = models.ForeignKey(
        "cases.Consultation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="followups",
        verbose_name=_("consultation"),
    )
    what = models.CharField(_("what"), max_length=200)
    due_at = models.DateTimeField(_("due"))
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="followups",
        verbose_name=_("assignee"),
    )
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING
    )
    notified_at = models.DateTimeField(_("notified at"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("done by"),
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cancelled by"),
    )
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=200, blank=True)
    # Bumped by each reschedule so the new due time gets its own reminder (dedupe key suffix).
    revision = models.PositiveIntegerField(_("revision"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("follow-up")
        verbose_name_plural = _("follow-ups")
        ordering = ["due_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state="pending", notified_at__isnull=True) | ~Q(state="pending"),
                name="followups_followup_pending_not_notified",
            ),
            models.CheckConstraint(
                condition=Q(state="done", done_at__isnull=False) | ~Q(state="done"),
                name="followups_followup_done_has_time",
            ),
            models.CheckConstraint(
                condition=Q(state="notified", notified_at__isnull=False) | ~Q(state="notified"),
                name="followups_followup_notified_has_time",
            ),
            models.CheckConstraint(
                condition=Q(state="cancelled", cancelled_at__isnull=False) | ~Q(state="cancelled"),
                name="followups_followup_cancelled_has_time",
            ),
            models.CheckConstraint(condition=~Q(what=""), name="followups_followup_what_set"),
            models.CheckConstraint(
                condition=in_choices("state", ["pending", "notified", "done", "cancelled"]),
                name="followups_followup_state_valid",
            ),
            models.CheckConstraint(
                condition=pair("done_at", "done_by"), name="followups_followup_done_pair"
            ),
            models.CheckConstraint(
                condition=pair("cancelled_at", "cancelled_by"),
                name="followups_followup_cancelled_pair",
            ),
            # Done and cancelled are final: their times belong to those states only.
            models.CheckConstraint(
                condition=Q(state="done") | Q(done_at__isnull=True),
                name="followups_followup_done_only_when_done",
            ),
            models.CheckConstraint(
                condition=Q(state="cancelled")
                | (Q(cancelled_at__isnull=True) & Q(cancel_reason="")),
                name="followups_followup_cancelled_only_when_cancelled",
            ),
            models.CheckConstraint(
                condition=in_range("due_at"), name="followups_followup_due_in_range"
            ),
        ]
        indexes = [
            # The reminder sweep: due rows still pending.
            models.Index(
                fields=["due_at"], condition=Q(state="pending"), name="followups_due_pending_idx"
            ),
            # Escalation and overdue counts: open rows by due time.
            models.Index(
                fields=["due_at"],
                condition=Q(state__in=["pending", "notified"]),
                name="followups_open_due_idx",
            ),
            models.Index(fields=["assignee", "state", "due_at"], name="followups_assignee_idx"),
        ]

    def __str__(self) -> str:
        return self.what

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES

    def is_overdue(self, now=None) -> bool:
        return self.is_open and self.due_at < (now or timezone.now())

    @property
    def due_dedupe_key(self) -> str:
        # One reminder per due time: a rescheduled follow-up is reminded again.
        return f"followup:{self.pk}:due" + (f":{self.revision}" if self.revision else "")

    @property
    def overdue_dedupe_key(self) -> str:
        return f"followup:{self.pk}:overdue" + (f":{self.revision}" if self.revision else "")
