"""Conversations: her messages open one, a counselor claims it, closing records its outcome.

The inbox pages build on these services; every change writes a ConversationEvent in its
transaction.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.selectors import users_with_roles
from cases.models import Client, Consultation
from cases.services.clients import client_create
from cases.services.consultations import consultation_record, consultation_update
from core import authz
from core.roles import Role
from openings.models import Channel
from openings.selectors import opening_at

from .. import hooks
from ..models import Conversation, ConversationEvent, LineUser, Message, WebhookEvent
from . import autoreplies


def _event(conversation: Conversation, kind: str, *, by: User | None, at, before="", after=""):
    ConversationEvent.objects.create(
        conversation=conversation, kind=kind, by=by, at=at, before=before, after=after
    )


def client_for(line_user: LineUser, *, at: datetime.datetime) -> Client:
    """Her client record, made pseudonymously the first time she writes (locked LineUser).

    A record a counselor already registered with this LINE user id is linked instead. The
    nickname is the LineUser's code, never her LINE display name.
    """
    if line_user.client_id is not None:
        return line_user.client
    client = Client.objects.filter(line_user_id=line_user.line_user_id).first()
    if client is None:
        # No staff member makes it: created_by stays empty, the way the record says "from LINE".
        client = client_create(
            nickname=str(line_user),
            line_user_id=line_user.line_user_id,
            first_contact_at=line_user.first_followed_at or at,
            by=None,  # type: ignore[arg-type]
        )
    line_user.client = client
    line_user.save(update_fields=["client"])
    return client


def message_received(
    *,
    line_user: LineUser,
    event: WebhookEvent,
    kind: str,
    text: str,
    detail: dict[str, Any],
    line_message_id: str,
    reply_token: str,
    fresh: bool,
    now: datetime.datetime,
) -> Message:
    """Her message, in the conversation not closed yet (a new one when there is none), with
    the automatic replies the hours and the queue call for. Runs in event_process's
    transaction, with her LineUser row locked."""
    at = event.occurred_at
    client = client_for(line_user, at=at)
    window = opening_at(at, Channel.LINE)
    conversation = (
        Conversation.objects.select_for_update()
        .filter(line_user=line_user)
        .exclude(status=Conversation.Status.RESOLVED)
        .first()
    )
    consumed = (
        hooks.message_consumer(line_user=line_user, kind=kind, text=text, at=at)
        if conversation is None
        else None
    )
    if consumed is not None:
        # Her answer to what we asked after the close (the survey's comment): kept with the
        # closed conversation, not a new one in the queue.
        return Message.objects.create(
            conversation=consumed,
            direction=Message.Direction.IN,
            kind=kind,
            text=text,
            detail=detail,
            line_message_id=line_message_id,
            event=event,
            sent_at=at,
            outside_hours=window is None,
            status=Message.Status.RECEIVED,
        )
    started = conversation is None
    if started:
        conversation = Conversation.objects.create(
            line_user=line_user,
            client=client,
            opened_at=at,
            last_message_at=at,
            last_incoming_at=at,
            opening=window if window is not None and window.pk else None,
        )
        _event(conversation, ConversationEvent.Kind.STARTED, by=None, at=at)
    else:
        conversation.last_message_at = max(conversation.last_message_at, at)
        conversation.last_incoming_at = max(conversation.last_incoming_at, at)
        conversation.save(update_fields=["last_message_at", "last_incoming_at"])
    message = Message.objects.create(
        conversation=conversation,
        direction=Message.Direction.IN,
        kind=kind,
        text=text,
        detail=detail,
        line_message_id=line_message_id,
        event=event,
        sent_at=at,
        outside_hours=window is None,
        status=Message.Status.RECEIVED,
        media=Message.Media.PENDING
        if kind in ("image", "video", "audio", "file")
        else Message.Media.NONE,
    )
    if message.media == Message.Media.PENDING:
        from ..tasks import fetch_media

        fetch_media.apply_async_on_commit((message.pk,), retry=False)  # the sweep re-finds it
    for hook in hooks.message_received:
        hook.handle(message=message, conversation=conversation, fresh=fresh)
    if fresh:
        autoreplies.replies_for(
            message=message,
            conversation=conversation,
            started=started,
            window=window,
            reply_token=reply_token,
            now=now,
        )
    return message


# --- the counselor's side ------------------------------------------------------------------


def cap() -> int:
    return settings.LINE_COUNSELOR_CAP


def open_counts(user_ids: Iterable[int] | None = None) -> dict[int, int]:
    """{counselor id: conversations she holds now} (one query). Those routed to the day's
    expert are hers, not a counselor's load."""
    rows = Conversation.objects.filter(status=Conversation.Status.OPEN, expert_day__isnull=True)
    if user_ids is not None:
        rows = rows.filter(assigned_to_id__in=list(user_ids))
    return dict(
        rows.values("assigned_to_id").annotate(n=Count("pk")).values_list("assigned_to_id", "n")
    )


def everyone_at_cap() -> bool:
    """Whether every counselor on shift holds as many conversations as she may.

    On shift = the counselors holding a conversation now (there is no rota in the system yet);
    with nobody on shift the queue message is not sent, only the greeting.
    """
    counts = open_counts()
    return bool(counts) and all(n >= cap() for n in counts.values())


def _require_counselor(by: User) -> None:
    if not (authz.is_counselor(by) or authz.is_supervisor(by)):
        raise PermissionDenied(_("Only counselors and supervisors work with LINE conversations."))


@transaction.atomic
def conversation_claim(*, conversation: Conversation, by: User) -> Conversation:
    """She takes a waiting conversation, within her cap."""
    _require_counselor(by)
    # Two counselors claiming at once: the second sees it taken. Her own row is locked too,
    # so two claims of hers at once cannot both pass the cap.
    User.objects.select_for_update().filter(pk=by.pk).first()
    conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
    if conversation.status != Conversation.Status.WAITING:
        raise ValidationError(_("Someone has already taken this conversation."), code="taken")
    held = open_counts([by.pk]).get(by.pk, 0)
    if held >= cap():
        raise ValidationError(
            _("You already have %(n)s conversations open, the most one counselor may hold.")
            % {"n": held},
            code="cap",
        )
    now = timezone.now()
    conversation.status = Conversation.Status.OPEN
    conversation.assigned_to = by
    conversation.claimed_at = now
    conversation.save(update_fields=["status", "assigned_to", "claimed_at"])
    _event(conversation, ConversationEvent.Kind.CLAIMED, by=by, at=now, after=str(by.pk))
    return conversation


@transaction.atomic
def conversation_assign(*, conversation: Conversation, to: User, by: User) -> Conversation:
    """A supervisor gives a conversation not closed to a counselor (beyond her cap if need be)."""
    if not authz.is_supervisor(by):
        raise PermissionDenied(_("Only supervisors assign conversations."))
    if not users_with_roles(Role.COUNSELOR, Role.SUPERVISOR).filter(pk=to.pk).exists():
        raise ValidationError(_("Choose an active counselor."), code="not_counselor")
    conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
    if conversation.status == Conversation.Status.RESOLVED:
        raise ValidationError(_("This conversation is closed."), code="closed")
    now = timezone.now()
    before = str(conversation.assigned_to_id or "")
    conversation.status = Conversation.Status.OPEN
    conversation.assigned_to = to
    conversation.claimed_at = conversation.claimed_at or now
    conversation.save(update_fields=["status", "assigned_to", "claimed_at"])
    _event(
        conversation,
        ConversationEvent.Kind.ASSIGNED,
        by=by,
        at=now,
        before=before,
        after=str(to.pk),
    )
    return conversation


def _expert_consultation(
    conversation: Conversation,
    *,
    by: User,
    main_concern: str,
    topics: Iterable[str],
    now: datetime.datetime,
) -> Consultation | None:
    """The consultation of a conversation routed to the day's expert: of the day's kind, held
    by her, from the routing to the chat's last message, on her open case; her booking on the
    day is recorded with it. A booking she already recorded by hand is that consultation."""
    from activities.models import ExpertBooking
    from activities.services import expert_day_consultation_attach, her_open_case

    from .experts import routed_at

    day = conversation.expert_day
    booking = conversation.expert_booking
    if booking is not None and booking.status == ExpertBooking.Status.RECORDED:
        return booking.consultation
    if not main_concern:
        return conversation.consultation
    started_at = routed_at(conversation)
    ended_at = (
        conversation.last_message_at
        if conversation.last_message_at > started_at
        else max(now, started_at + datetime.timedelta(minutes=1))
    )
    consultation = consultation_record(
        client=conversation.client,
        case=her_open_case(conversation.client),
        kind=day.kind,
        started_at=started_at,
        ended_at=ended_at,
        counselors=[day.expert],
        main_concern=main_concern,
        topics=list(topics),
        by=by,
    )
    expert_day_consultation_attach(
        day=day,
        consultation=consultation,
        booking=booking
        if booking is not None and booking.status == ExpertBooking.Status.BOOKED
        else None,
        by=by,
    )
    return consultation


@transaction.atomic
def conversation_close(
    *,
    conversation: Conversation,
    outcome: str,
    by: User,
    main_concern: str = "",
    topics: Iterable[str] = (),
    options: Mapping[str, Any] | None = None,
) -> Conversation:
    """Close with its outcome (対応結果); with a main concern, record the LINE consultation
    (start and end from the chat, linked to the opening window) in the same transaction.

    A conversation routed to the expert of the day (`services.experts`) is closed by her (or a
    supervisor) and records instead the consultation of the day's kind, held by her and linked
    to the day (and to her booking on it, so it is never recorded twice)."""
    if not (authz.is_expert(by) or authz.is_counselor(by) or authz.is_supervisor(by)):
        raise PermissionDenied(_("Only counselors and supervisors work with LINE conversations."))
    if outcome not in Conversation.Outcome.values:
        raise ValidationError({"outcome": _("Choose how the conversation ended.")}, code="outcome")
    conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
    if conversation.status == Conversation.Status.RESOLVED:
        raise ValidationError(_("This conversation is already closed."), code="closed")
    if conversation.assigned_to_id not in (None, by.pk) and not authz.is_supervisor(by):
        raise PermissionDenied(_("Another counselor has this conversation."))
    if not (authz.is_counselor(by) or authz.is_supervisor(by)) and (
        conversation.expert_day_id is None or conversation.assigned_to_id != by.pk
    ):
        raise PermissionDenied(_("Only a conversation routed to you can be closed by you."))
    if problems := hooks.close_problems(conversation):
        raise ValidationError(problems, code="guarded")
    now = timezone.now()
    # The chat's last message; a chat of one message ends when the counselor closes it.
    ended_at = (
        conversation.last_message_at
        if conversation.last_message_at > conversation.opened_at
        else max(now, conversation.opened_at + datetime.timedelta(minutes=1))
    )
    if conversation.expert_day_id is not None:
        conversation.consultation = _expert_consultation(
            conversation, by=by, main_concern=main_concern, topics=topics, now=now
        )
    elif main_concern and conversation.consultation_id:
        # Recorded already (a counselor began it from her page): completed with the chat's end.
        conversation.consultation = consultation_update(
            consultation=conversation.consultation,
            by=by,
            ended_at=max(ended_at, conversation.consultation.started_at),
            main_concern=main_concern,
            topics=list(topics),
        )
    elif main_concern:
        counselors = [conversation.assigned_to or by]
        conversation.consultation = consultation_record(
            client=conversation.client,
            kind=Consultation.Kind.LINE,
            started_at=conversation.opened_at,
            ended_at=ended_at,
            counselors=counselors,
            main_concern=main_concern,
            topics=list(topics),
            by=by,
        )
    before = conversation.status
    conversation.status = Conversation.Status.RESOLVED
    conversation.outcome = outcome
    conversation.closed_at = now
    conversation.closed_by = by
    conversation.save(update_fields=["status", "outcome", "closed_at", "closed_by", "consultation"])
    _event(conversation, ConversationEvent.Kind.CLOSED, by=by, at=now, before=before, after=outcome)
    # Nobody needs to answer a call for help on a conversation that has ended.
    conversation.escalations.filter(answered_at__isnull=True).update(
        answered_by=by, answered_at=now
    )
    for hook in hooks.after_close:
        hook.run(conversation=conversation, by=by, options=dict(options or {}))
    return conversation
