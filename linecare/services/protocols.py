"""The imminent-risk protocol (緊急対応): opened from an urgent conversation, calls recorded,
confirmed by a second staff member (which closes it)."""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core import authz
from line.models import Conversation

from ..models import Protocol, ProtocolCall

CHECKLIST = ("wish_to_die", "plan", "means", "time_frame", "alone")


def _require_staff(by: User) -> None:
    if not authz.can(by, "line.work_with_conversations"):
        raise PermissionDenied(_("Only counselors and supervisors work with LINE conversations."))


@transaction.atomic
def protocol_open(
    *, conversation: Conversation, by: User, location: str = "", **answers: str
) -> Protocol:
    """Open the protocol on an urgent conversation not closed, with the checklist's answers."""
    _require_staff(by)
    # Two staff opening at once: the unique index lets one in, the other gets the message.
    conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
    if conversation.status == Conversation.Status.RESOLVED:
        raise ValidationError(_("This conversation is closed."), code="closed")
    if not conversation.urgent:
        raise ValidationError(
            _("The protocol is opened from an urgent conversation."), code="not_urgent"
        )
    missing = [f for f in CHECKLIST if answers.get(f) not in Protocol.Answer.values]
    if missing:
        raise ValidationError({f: _("Choose an answer.") for f in missing}, code="required")
    try:
        with transaction.atomic():
            return Protocol.objects.create(
                conversation=conversation,
                client=conversation.client,
                location=(location or "").strip()[:200],
                opened_by=by,
                opened_at=timezone.now(),
                **{f: answers[f] for f in CHECKLIST},
            )
    except IntegrityError:
        raise ValidationError(
            _("A protocol is already open on this conversation."), code="open"
        ) from None


@transaction.atomic
def protocol_call_record(
    *,
    protocol: Protocol,
    to: str,
    called_at: datetime.datetime,
    called_by: User,
    consent: bool,
    reason_without_consent: str = "",
    by: User,
) -> ProtocolCall:
    """A call made (110, 119, 児童相談所, a DV centre), while the protocol is open."""
    _require_staff(by)
    # A call recorded while a colleague confirms: the confirmation waits, then counts it.
    protocol = Protocol.objects.select_for_update().get(pk=protocol.pk)
    if protocol.status != Protocol.Status.OPEN:
        raise ValidationError(_("This protocol is already confirmed."), code="confirmed")
    if to not in ProtocolCall.To.values:
        raise ValidationError({"to": _("Choose whom you called.")}, code="to")
    reason = (reason_without_consent or "").strip()
    if not consent and not reason:
        raise ValidationError(
            {"reason_without_consent": _("Without her consent, say why you acted.")},
            code="reason",
        )
    if called_at > timezone.now() + datetime.timedelta(minutes=5):
        raise ValidationError({"called_at": _("The call time cannot be in the future.")})
    # A call belongs to this protocol: not days before it was opened (nor year 1).
    if called_at < protocol.opened_at - datetime.timedelta(days=1):
        raise ValidationError({"called_at": _("The call time is before the protocol was opened.")})
    return ProtocolCall.objects.create(
        protocol=protocol,
        to=to,
        called_at=called_at,
        called_by=called_by,
        consent=consent,
        reason_without_consent="" if consent else reason[:300],
        recorded_by=by,
    )


@transaction.atomic
def protocol_confirm(*, protocol: Protocol, by: User) -> Protocol:
    """A second staff member confirms the record, which closes the protocol."""
    _require_staff(by)
    # Two confirmations at once: the second sees it confirmed.
    protocol = Protocol.objects.select_for_update().get(pk=protocol.pk)
    if protocol.status != Protocol.Status.OPEN:
        raise ValidationError(_("This protocol is already confirmed."), code="confirmed")
    if protocol.opened_by_id == by.pk:
        raise ValidationError(
            _("A second staff member confirms: not the one who opened it."), code="same_user"
        )
    protocol.status = Protocol.Status.CONFIRMED
    protocol.confirmed_by = by
    protocol.confirmed_at = timezone.now()
    protocol.save(update_fields=["status", "confirmed_by", "confirmed_at"])
    return protocol


def close_problem(conversation: Conversation) -> str | None:
    """The LINE app's close guard: not while a protocol is open."""
    if Protocol.objects.filter(conversation=conversation, status=Protocol.Status.OPEN).exists():
        return _("An imminent-risk protocol is open: a second staff member confirms it first.")
    return None
