"""Retention, disclosure and erasure of a client's data (APPI rights).

Three records, each written by one service in `privacy.services`:
- `AnonymisationRecord`: her record was anonymised (by the retention job or an approved
  erasure); one per client, and the mark every other part asks ("is she anonymised?").
- `ErasureRequest` (削除請求): asked for by her, recorded by a counselor or supervisor, decided
  by another supervisor.
- `ConsentWithdrawal` (同意の撤回): she withdrew her consent; sharing is blocked from then on.
"""

from __future__ import annotations

import pgtrigger
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.append_only import append_only
from core.bounds import REASON_MAX, in_choices, in_range, max_length

# How she made a request or told us she withdraws (the same codes as Client.ConsentMethod).
CHANNELS = ("line", "phone", "in_person", "written")


class Channel(models.TextChoices):
    LINE = "line", _("On LINE")
    PHONE = "phone", _("By phone")
    IN_PERSON = "in_person", _("In person")
    WRITTEN = "written", _("In writing")


class ErasureRequest(models.Model):
    """削除請求: she asks us to erase what we hold about her. A supervisor other than the
    person who recorded it approves (her record is anonymised at once) or declines, saying why.
    Never deleted."""

    class State(models.TextChoices):
        PENDING = "pending", pgettext_lazy("erasure request", "Awaiting a decision")
        APPROVED = "approved", pgettext_lazy("erasure request", "Approved")
        REJECTED = "rejected", pgettext_lazy("erasure request", "Declined")

    client = models.ForeignKey(
        "cases.Client",
        on_delete=models.PROTECT,
        related_name="erasure_requests",
        verbose_name=_("client"),
    )
    received_via = models.CharField(
        _("how it was received"), max_length=10, choices=Channel.choices
    )
    reason = models.TextField(_("reason given"), max_length=REASON_MAX, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    requested_at = models.DateTimeField(_("recorded at"), default=timezone.now)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), max_length=REASON_MAX, blank=True)

    class Meta:
        verbose_name = _("erasure request")
        verbose_name_plural = _("erasure requests")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["client"],
                condition=Q(state="pending"),
                name="privacy_erasurerequest_one_pending",
            ),
            models.CheckConstraint(
                condition=in_choices("state", ["pending", "approved", "rejected"]),
                name="privacy_erasurerequest_state_valid",
            ),
            models.CheckConstraint(
                condition=in_choices("received_via", CHANNELS),
                name="privacy_erasurerequest_received_via_valid",
            ),
            models.CheckConstraint(
                condition=Q(state="pending", decided_at__isnull=True, decided_by__isnull=True)
                | (~Q(state="pending") & Q(decided_at__isnull=False, decided_by__isnull=False)),
                name="privacy_erasurerequest_decision_recorded",
            ),
            # Four eyes: erasure cannot be undone, so whoever recorded it does not decide it.
            models.CheckConstraint(
                condition=Q(decided_by__isnull=True) | ~Q(decided_by=F("requested_by")),
                name="privacy_erasurerequest_decider_not_requester",
            ),
            models.CheckConstraint(
                condition=~Q(state="rejected") | ~Q(decision_note=""),
                name="privacy_erasurerequest_rejected_has_note",
            ),
            models.CheckConstraint(
                condition=max_length("reason", REASON_MAX),
                name="privacy_erasurerequest_reason_length",
            ),
            models.CheckConstraint(
                condition=max_length("decision_note", REASON_MAX),
                name="privacy_erasurerequest_decision_note_length",
            ),
            models.CheckConstraint(
                condition=in_range("requested_at"),
                name="privacy_erasurerequest_requested_in_range",
            ),
        ]
        indexes = [
            # The supervisors' queue: pending requests, oldest first.
            models.Index(
                fields=["requested_at"],
                condition=Q(state="pending"),
                name="privacy_erasure_pending_idx",
            ),
        ]
        # Its decision is recorded on the row (and her reason scrubbed on anonymisation), so it
        # may be updated; it is never deleted.
        triggers = append_only("privacy_erasurerequest_kept", operation=pgtrigger.Delete)

    def __str__(self) -> str:
        return f"#{self.pk} ({self.get_state_display()})"


class AnonymisationRecord(models.Model):
    """Her record was anonymised: names, contact details and free text removed from every app's
    rows (and their history), coded data kept so that past figures stay the same. One per
    client; append-only."""

    class Reason(models.TextChoices):
        RETENTION = "retention", _("Retention period ended")  # 保存期間の経過
        ERASURE = "erasure", _("Erasure request approved")  # 削除請求

    client = models.OneToOneField(
        "cases.Client",
        on_delete=models.PROTECT,
        related_name="anonymisation",
        verbose_name=_("client"),
    )
    reason = models.CharField(_("reason"), max_length=10, choices=Reason.choices)
    at = models.DateTimeField(_("anonymised at"), default=timezone.now)
    # The supervisor who approved the erasure; None for the retention job.
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("approved by"),
    )
    erasure_request = models.OneToOneField(
        ErasureRequest,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="anonymisation",
        verbose_name=_("erasure request"),
    )
    # The latest activity the retention job found (None for an erasure).
    last_activity_at = models.DateTimeField(_("last activity"), null=True, blank=True)
    # What each app scrubbed, {label: count}: coded numbers only.
    scrubbed = models.JSONField(_("scrubbed records"), default=dict, blank=True)

    class Meta:
        verbose_name = _("anonymisation record")
        verbose_name_plural = _("anonymisation records")
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=in_choices("reason", ["retention", "erasure"]),
                name="privacy_anonymisationrecord_reason_valid",
            ),
            models.CheckConstraint(
                condition=(
                    Q(reason="erasure")
                    & Q(erasure_request__isnull=False, approved_by__isnull=False)
                )
                | (Q(reason="retention") & Q(erasure_request__isnull=True)),
                name="privacy_anonymisationrecord_erasure_approved",
            ),
        ]
        triggers = append_only("privacy_anonymisationrecord_append_only")

    def __str__(self) -> str:
        return f"{self.client_id} ({self.get_reason_display()})"


class ConsentWithdrawal(models.Model):
    """同意の撤回: she withdrew her consent, to sharing only or to everything. Recorded as given
    (who, when, how, a note); her consent on the client record is lowered in the same
    transaction, so nothing is shared with partners from then on. Append-only."""

    class Scope(models.TextChoices):
        SHARING = "sharing", _("Sharing with partners")  # 連携先への提供
        ALL = "all", _("All consent (also recording)")  # 同意すべて

    client = models.ForeignKey(
        "cases.Client",
        on_delete=models.PROTECT,
        related_name="consent_withdrawals",
        verbose_name=_("client"),
    )
    scope = models.CharField(_("what she withdrew"), max_length=10, choices=Scope.choices)
    method = models.CharField(_("how she told us"), max_length=10, choices=Channel.choices)
    note = models.TextField(_("note"), max_length=REASON_MAX, blank=True)
    # Her consent before, coded (Client.ConsentScope).
    scope_before = models.CharField(_("consent before"), max_length=10)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        verbose_name = _("consent withdrawal")
        verbose_name_plural = _("consent withdrawals")
        ordering = ["-recorded_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=in_choices("scope", ["sharing", "all"]),
                name="privacy_consentwithdrawal_scope_valid",
            ),
            models.CheckConstraint(
                condition=in_choices("method", CHANNELS),
                name="privacy_consentwithdrawal_method_valid",
            ),
            models.CheckConstraint(
                condition=max_length("note", REASON_MAX),
                name="privacy_consentwithdrawal_note_length",
            ),
            models.CheckConstraint(
                condition=in_range("recorded_at"),
                name="privacy_consentwithdrawal_recorded_in_range",
            ),
        ]
        indexes = [
            models.Index(fields=["client", "-recorded_at"], name="privacy_withdrawal_client_idx")
        ]
        triggers = append_only("privacy_consentwithdrawal_append_only")

    def __str__(self) -> str:
        return f"{self.get_scope_display()} ({timezone.localtime(self.recorded_at):%Y-%m-%d})"
