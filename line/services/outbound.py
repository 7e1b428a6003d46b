"""Messages to her: a row first (status "sending", its own retry key), then a task that calls
LINE through the SDK's `MessagingApi`.

A push carries `X-Line-Retry-Key` = the row's retry key, the same on every retry, so a send
retried after a timeout (LINE may have taken it) is delivered once: LINE answers 409 for a key
it has already accepted, which we count as sent. 429 and 5xx (and timeouts) are retried with
backoff up to SEND_MAX_ATTEMPTS, then the message is marked failed with the reason, which the
counselor sees. Other 4xx answers fail at once.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from linebot.v3.messaging import (
    PostbackAction,
    PushMessageRequest,
    QuickReply,
    QuickReplyItem,
    ReplyMessageRequest,
    TextMessage,
)
from linebot.v3.messaging.exceptions import ApiException

from accounts.models import User

from .. import api
from ..models import Conversation, Message, new_retry_key

logger = logging.getLogger(__name__)

SEND_MAX_ATTEMPTS = 5
# Backoff before retry n (1-based): BACKOFF_BASE * 2**(n-1) seconds, at most BACKOFF_MAX.
BACKOFF_BASE = 2.0
BACKOFF_MAX = 300.0
# A send in flight holds its row this long; a worker that dies leaves it to the sweep then.
LEASE = datetime.timedelta(seconds=60)
# LINE takes a reply token for a short while after the event; we use it for less than that.
REPLY_TOKEN_VALID = datetime.timedelta(seconds=50)


def message_queue(
    *,
    conversation: Conversation,
    text: str,
    by: User | None,
    auto_reply: str = "",
    reply_token: str = "",
    reply_token_at: datetime.datetime | None = None,
    quick_reply: list[dict[str, str]] | None = None,
) -> Message:
    """An outgoing message row; the send is enqueued after commit. `quick_reply` lists
    postback buttons under it ({"label", "data", "text"}: the survey's answers)."""
    from ..tasks import send_message

    now = timezone.now()
    message = Message.objects.create(
        conversation=conversation,
        direction=Message.Direction.OUT,
        kind=Message.Kind.TEXT,
        text=text,
        sent_at=now,
        status=Message.Status.SENDING,
        retry_key=new_retry_key(),
        next_attempt_at=now,
        auto_reply=auto_reply,
        reply_token=reply_token,
        reply_token_expires_at=(reply_token_at + REPLY_TOKEN_VALID)
        if reply_token and reply_token_at
        else None,
        sent_by=by,
        detail={"quick_reply": quick_reply} if quick_reply else {},
    )
    if conversation.last_message_at < now:
        Conversation.objects.filter(pk=conversation.pk).update(last_message_at=now)
    send_message.apply_async_on_commit((message.pk,), retry=False)  # the sweep re-finds it
    return message


def _text_message(message: Message) -> TextMessage:
    items = (message.detail or {}).get("quick_reply") or []
    if not items:
        return TextMessage(text=message.text)
    return TextMessage(
        text=message.text,
        quick_reply=QuickReply(
            items=[
                QuickReplyItem(
                    action=PostbackAction(label=i["label"], data=i["data"], display_text=i["text"])
                )
                for i in items
            ]
        ),
    )


def backoff(attempt: int) -> float:
    return min(BACKOFF_MAX, BACKOFF_BASE * 2 ** (attempt - 1))


def _claim(message_id: int, now: datetime.datetime) -> Message | None:
    with transaction.atomic():
        # A task and the sweep sending the same row at once: one of them has it.
        message = (
            Message.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("conversation__line_user")
            .filter(pk=message_id, status=Message.Status.SENDING, next_attempt_at__lte=now)
            .first()
        )
        if message is None:
            return None
        message.attempts += 1
        message.next_attempt_at = now + LEASE
        message.save(update_fields=["attempts", "next_attempt_at"])
        return message


def _finish(message: Message, **changes) -> None:
    Message.objects.filter(pk=message.pk, status=Message.Status.SENDING).update(**changes)


def message_send(*, message_id: int, now: datetime.datetime | None = None) -> str | None:
    """One attempt at sending; returns the status it left, or None when there was nothing to do
    (already sent, or not due). Retries are scheduled by the caller from `next_attempt_at`."""
    now = now or timezone.now()
    message = _claim(message_id, now)
    if message is None:
        return None
    if not settings.LINE_CHANNEL_ACCESS_TOKEN:
        _finish(message, status=Message.Status.FAILED, failure_reason="not_configured")
        return Message.Status.FAILED
    to = message.conversation.line_user.line_user_id
    use_reply = bool(
        message.reply_token
        and message.attempts == 1
        and message.reply_token_expires_at
        and now < message.reply_token_expires_at
    )
    status: int | None = None
    try:
        with api.messaging_api() as line:
            if use_reply:
                line.reply_message(
                    ReplyMessageRequest(
                        reply_token=message.reply_token, messages=[_text_message(message)]
                    ),
                    _request_timeout=api.TIMEOUT,
                )
            else:
                line.push_message(
                    PushMessageRequest(to=to, messages=[_text_message(message)]),
                    x_line_retry_key=str(message.retry_key),
                    _request_timeout=api.TIMEOUT,
                )
    except ApiException as exc:
        status = exc.status
    except Exception as exc:  # noqa: BLE001 (urllib3 timeouts and connection errors)
        logger.warning("LINE send of message %s: %s", message.pk, type(exc).__name__)
        status = None
    else:
        _finish(message, status=Message.Status.SENT, failure_reason="", next_attempt_at=None)
        return Message.Status.SENT

    if use_reply:
        # The token was refused or the call failed: push instead, at once, with the retry key.
        _finish(message, reply_token="", next_attempt_at=now)
        return Message.Status.SENDING
    if status == 409:
        # LINE has already accepted a request with this retry key: it was delivered.
        _finish(message, status=Message.Status.SENT, failure_reason="", next_attempt_at=None)
        return Message.Status.SENT
    retryable = status is None or status == 429 or status >= 500
    label = f"HTTP {status}" if status else "timeout"
    if retryable and message.attempts < SEND_MAX_ATTEMPTS:
        _finish(
            message,
            next_attempt_at=now + datetime.timedelta(seconds=backoff(message.attempts)),
            failure_reason="",
        )
        return Message.Status.SENDING
    reason = f"gave_up:{label}" if retryable else f"refused:{label}"
    _finish(message, status=Message.Status.FAILED, failure_reason=reason, next_attempt_at=None)
    return Message.Status.FAILED


@transaction.atomic
def message_retry(*, message: Message, by: User) -> Message:
    """A counselor sends a failed message again (same retry key: never delivered twice)."""
    from django.core.exceptions import PermissionDenied
    from django.utils.translation import gettext as _

    from core import authz

    # A retry racing the sweep or a second click: the row lock lets one of them through.
    message = (
        Message.objects.select_for_update(of=("self",))
        .select_related("conversation")
        .get(pk=message.pk)
    )
    if not (message.conversation.assigned_to_id == by.pk or authz.is_supervisor(by)):
        raise PermissionDenied(_("Claim the conversation before you reply."))
    return message_send_again(message)


def message_send_again(message: Message) -> Message:
    """A failed message (row locked by the caller, who has checked who may) is sending again,
    with its own retry key; anything but a failed one is left as it is."""
    from ..tasks import send_message

    if message.status != Message.Status.FAILED:
        return message
    message.status = Message.Status.SENDING
    message.attempts = 0
    message.failure_reason = ""
    message.next_attempt_at = timezone.now()
    message.save(update_fields=["status", "attempts", "failure_reason", "next_attempt_at"])
    send_message.apply_async_on_commit((message.pk,), retry=False)  # the sweep re-finds it
    return message


def messages_send_due(*, limit: int = 200) -> int:
    """The sweep: every message still sending whose attempt is due (a retry after backoff, a
    lost task, a worker that died mid-send)."""
    now = timezone.now()
    ids = list(
        Message.objects.filter(status=Message.Status.SENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(1 for pk in ids if message_send(message_id=pk, now=now) is not None)


@transaction.atomic
def message_compose(*, conversation: Conversation, text: str, by: User) -> Message:
    """Her counselor (or a supervisor) writes to her from the conversation."""
    from django.core.exceptions import PermissionDenied, ValidationError
    from django.utils.translation import gettext as _

    from core import authz

    from ..models import TEXT_MAX

    conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
    if not (conversation.assigned_to_id == by.pk or authz.is_supervisor(by)):
        raise PermissionDenied(_("Claim the conversation before you reply."))
    if conversation.status == Conversation.Status.RESOLVED:
        raise ValidationError(_("This conversation is closed."), code="closed")
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write a message.")}, code="required")
    if len(text) > TEXT_MAX:
        raise ValidationError(
            {"text": _("LINE takes at most %(n)s characters.") % {"n": TEXT_MAX}}, code="length"
        )
    return message_queue(conversation=conversation, text=text, by=by)
