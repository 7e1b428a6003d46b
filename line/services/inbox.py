"""The counselors' inbox: handing over, escalating to a supervisor, a supervisor taking over,
what she has read, the overtime alert, and the canned responses coordinators keep.

Claiming, assigning and closing are in `conversations`; every change here writes a
ConversationEvent in its transaction.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.selectors import supervisors_to_notify
from core import authz
from notifications.models import Notification
from notifications.services import notification_send

from ..models import CannedResponse, Conversation, ConversationEvent, Escalation
from .conversations import _event, _require_counselor


def _holder_or_supervisor(conversation: Conversation, by: User) -> None:
    if conversation.assigned_to_id != by.pk and not authz.is_supervisor(by):
        raise PermissionDenied(_("Another counselor has this conversation."))


def _locked(conversation: Conversation) -> Conversation:
    conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
    if conversation.status == Conversation.Status.RESOLVED:
        raise ValidationError(_("This conversation is closed."), code="closed")
    return conversation


@transaction.atomic
def conversation_handover(*, conversation: Conversation, note: str, by: User) -> Conversation:
    """The counselor ending her shift puts the conversation back at the head of the queue with
    a note for whoever claims it next (引き継ぎ)."""
    _require_counselor(by)
    # Handing over while another counselor claims or closes it: one of them waits for the other.
    conversation = _locked(conversation)
    if conversation.status != Conversation.Status.OPEN:
        raise ValidationError(_("Only a conversation in progress is handed over."), code="waiting")
    _holder_or_supervisor(conversation, by)
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("Write what the next counselor needs to know.")})
    now = timezone.now()
    before = str(conversation.assigned_to_id or "")
    conversation.status = Conversation.Status.WAITING
    conversation.assigned_to = None
    conversation.handover_note = note[:500]
    conversation.read_up_to = None
    conversation.save(update_fields=["status", "assigned_to", "handover_note", "read_up_to"])
    _event(conversation, ConversationEvent.Kind.HANDED_OVER, by=by, at=now, before=before)
    return conversation


@transaction.atomic
def conversation_escalate(
    *, conversation: Conversation, kind: str, note: str = "", by: User
) -> Escalation:
    """Ask a supervisor to step in, for one of the reasons of domain.md."""
    _require_counselor(by)
    if kind not in Escalation.Kind.values:
        raise ValidationError({"kind": _("Choose why a supervisor is needed.")})
    # Two escalations of one conversation at once: the second sees the first waiting.
    conversation = _locked(conversation)
    _holder_or_supervisor(conversation, by)
    if conversation.escalations.filter(answered_at__isnull=True).exists():
        raise ValidationError(
            _("A supervisor has already been asked and has not answered yet."), code="waiting"
        )
    now = timezone.now()
    escalation = Escalation.objects.create(
        conversation=conversation,
        kind=kind,
        note=(note or "").strip()[:500],
        raised_by=by,
        raised_at=now,
    )
    _event(conversation, ConversationEvent.Kind.ESCALATED, by=by, at=now, after=kind)
    return escalation


def _answer_waiting(conversation: Conversation, by: User, now: datetime.datetime) -> int:
    return Escalation.objects.filter(conversation=conversation, answered_at__isnull=True).update(
        answered_by=by, answered_at=now
    )


@transaction.atomic
def escalation_answer(*, conversation: Conversation, by: User) -> Conversation:
    """A supervisor has answered the counselor's call (she advises; the counselor goes on)."""
    if not authz.is_supervisor(by):
        raise PermissionDenied(_("Only supervisors answer escalations."))
    conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
    if not _answer_waiting(conversation, by, timezone.now()):
        raise ValidationError(_("No escalation is waiting on this conversation."), code="none")
    return conversation


@transaction.atomic
def conversation_take_over(*, conversation: Conversation, by: User) -> Conversation:
    """A supervisor takes the conversation herself (beyond any cap), answering the escalation."""
    if not authz.is_supervisor(by):
        raise PermissionDenied(_("Only supervisors take over conversations."))
    # A take-over racing a claim or a close: one of them waits for the other.
    conversation = _locked(conversation)
    if conversation.assigned_to_id == by.pk:
        raise ValidationError(_("You already have this conversation."), code="mine")
    now = timezone.now()
    before = str(conversation.assigned_to_id or "")
    conversation.status = Conversation.Status.OPEN
    conversation.assigned_to = by
    conversation.claimed_at = conversation.claimed_at or now
    conversation.read_up_to = None
    conversation.save(update_fields=["status", "assigned_to", "claimed_at", "read_up_to"])
    _answer_waiting(conversation, by, now)
    _event(
        conversation,
        ConversationEvent.Kind.TAKEN_OVER,
        by=by,
        at=now,
        before=before,
        after=str(by.pk),
    )
    return conversation


def conversation_mark_read(*, conversation: Conversation, by: User, up_to: datetime.datetime):
    """Her messages up to `up_to` are read by the counselor holding the conversation (a single
    conditional UPDATE: a later read never moves the mark back)."""
    if conversation.assigned_to_id != by.pk:
        return
    Conversation.objects.filter(pk=conversation.pk, assigned_to=by).exclude(
        read_up_to__gte=up_to
    ).update(read_up_to=up_to)


def escalations_alert_overtime(*, now: datetime.datetime | None = None) -> int:
    """Tell every supervisor about each escalation that has waited longer than the setting, once.

    The notification names no one and quotes nothing: a fixed sentence and a link."""
    now = now or timezone.now()
    limit = now - datetime.timedelta(minutes=settings.LINE_ESCALATION_OVERTIME_MINUTES)
    supervisors = supervisors_to_notify()
    sent = 0
    with transaction.atomic():
        # Two beat ticks (or workers) at once: each escalation is alerted by one of them.
        overdue = list(
            Escalation.objects.select_for_update(skip_locked=True)
            .filter(answered_at__isnull=True, alerted_at__isnull=True, raised_at__lte=limit)
            .order_by("raised_at", "pk")[:100]
        )
        for escalation in overdue:
            url = reverse("line:conversation", args=[escalation.conversation_id])
            minutes = int((now - escalation.raised_at).total_seconds() // 60)
            for supervisor in supervisors:
                with translation.override(supervisor.language or settings.LANGUAGE_CODE):
                    title = _(
                        "A LINE escalation has waited %(minutes)s minutes for a supervisor."
                    ) % {"minutes": minutes}
                notification_send(
                    user=supervisor,
                    kind=Notification.Kind.OTHER,
                    title=title,
                    url=url,
                    dedupe_key=f"line-escalation-overtime-{escalation.pk}",
                )
            escalation.alerted_at = now
            escalation.save(update_fields=["alerted_at"])
            sent += 1
    return sent


def _require_keeper(by: User) -> None:
    if not authz.can(by, "line.edit_canned_responses"):
        raise PermissionDenied(_("Only coordinators and supervisors keep the canned responses."))


@transaction.atomic
def canned_response_save(
    *,
    response: CannedResponse | None = None,
    title: str,
    text: str,
    active: bool = True,
    order: int = 0,
    by: User,
) -> CannedResponse:
    """Create a canned response (定型文) or change one."""
    _require_keeper(by)
    title, text = (title or "").strip(), (text or "").strip()
    errors = {}
    if not title:
        errors["title"] = _("Give it a title.")
    if not text:
        errors["text"] = _("Write the text.")
    clash = CannedResponse.objects.filter(title=title)
    if response is not None:
        clash = clash.exclude(pk=response.pk)
    if title and clash.exists():
        errors["title"] = _("Another canned response has this title.")
    if errors:
        raise ValidationError(errors)
    if response is None:
        response = CannedResponse(title=title)
    else:
        # Two coordinators saving one response at once: the later save wins, both recorded.
        response = CannedResponse.objects.select_for_update().get(pk=response.pk)
    response.title, response.text, response.active, response.order = title, text, active, order
    response.updated_by = by
    response.save()
    return response
