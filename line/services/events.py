"""Webhook events: stored as rows first, processed after commit, each exactly once.

`events_store` runs in the request (one INSERT for the batch); `event_process` runs in Celery
(`line.tasks.process_event`) and again from the sweep for whatever was never processed, so a
broker that is down only delays the work. Processing claims its row with a lock that skips
rows another worker holds, so two workers never process one event twice.
"""

from __future__ import annotations

import datetime
import logging
import threading
import time
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from linebot.v3.webhooks import Event as SdkEvent

from .. import hooks
from ..models import LineUser, Message, Postback, WebhookEvent
from ..webhook import ParsedEvent
from . import conversations as conversation_services

logger = logging.getLogger(__name__)

# An event that fails this many times is marked failed (visible in the admin) and left alone.
PROCESS_MAX_ATTEMPTS = 5
# An event processed later than this after it happened is "backlog": no automatic reply.
FRESH_FOR = datetime.timedelta(minutes=5)

# Event types that concern one-to-one consultation; the rest are stored and ignored.
HANDLED = {"follow", "unfollow", "message", "unsend", "messageEdited", "postback"}

# What stands for a non-text message in the conversation (the counselor reads the kind).
MEDIA_KINDS = {"image", "video", "audio", "file"}


def events_store(events: Iterable[ParsedEvent]) -> list[int]:
    """Insert the events not seen before; return the ids of those still to process (new ones,
    and earlier deliveries that were never processed). Enqueues them after commit."""
    events = list(events)
    if not events:
        return []
    with transaction.atomic():
        WebhookEvent.objects.bulk_create(
            [
                WebhookEvent(
                    webhook_event_id=e.webhook_event_id,
                    event_type=e.event_type,
                    source_type=e.source_type,
                    line_user_id=e.line_user_id,
                    occurred_at=e.occurred_at,
                    is_redelivery=e.is_redelivery,
                    raw=e.raw,
                )
                for e in events
            ],
            # A redelivered or repeated webhookEventId changes nothing.
            ignore_conflicts=True,
        )
        pending = list(
            WebhookEvent.objects.filter(
                webhook_event_id__in=[e.webhook_event_id for e in events],
                outcome=WebhookEvent.Outcome.PENDING,
            )
            .order_by("occurred_at", "pk")
            .values_list("pk", flat=True)
        )
        if pending:
            transaction.on_commit(lambda: _enqueue(pending))
    return pending


# After a failed publish, skip publishing for a while: the sweep finds the rows anyway.
BROKER_BACKOFF = 30.0
_broker_down_until = 0.0


def _publish(ids: list[int]) -> None:
    global _broker_down_until
    from ..tasks import process_events

    try:
        process_events.apply_async((ids,), retry=False)
    except Exception as exc:  # noqa: BLE001 (kombu and redis raise several kinds)
        _broker_down_until = time.monotonic() + BROKER_BACKOFF
        logger.warning("LINE events %s left to the sweep: %s", ids[:3], type(exc).__name__)


def _enqueue(ids: list[int]) -> None:
    """One message for the batch, published off the request's thread: a broker that is down
    (the client retries its connection for seconds) never holds up the answer to LINE."""
    if time.monotonic() < _broker_down_until:
        return
    threading.Thread(target=_publish, args=(ids,), daemon=True, name="line-enqueue").start()


def _parsed(raw: dict[str, Any]) -> Any:
    """The SDK's typed event, or None for a type (or shape) the SDK does not know."""
    try:
        return SdkEvent.from_dict(raw)
    except Exception:  # noqa: BLE001 (pydantic and the SDK raise several kinds)
        return None


def event_process(*, event_id: int, now: datetime.datetime | None = None) -> str | None:
    """Process one stored event once. Returns its outcome, or None when it was already done
    or another worker holds it."""
    now = now or timezone.now()
    try:
        with transaction.atomic():
            # Two workers given the same id (a task and the sweep): the second skips it.
            event = (
                WebhookEvent.objects.select_for_update(skip_locked=True)
                .filter(pk=event_id, outcome=WebhookEvent.Outcome.PENDING)
                .first()
            )
            if event is None:
                return None
            outcome = _dispatch(event, now=now)
            event.outcome = outcome
            event.processed_at = now
            event.attempts += 1
            event.error = ""
            event.save(update_fields=["outcome", "processed_at", "attempts", "error"])
    except Exception as exc:
        # The class name only: a message could quote her words.
        logger.warning("LINE event %s failed: %s", event_id, type(exc).__name__)
        _record_failure(event_id, exc, now=now)
        return WebhookEvent.Outcome.FAILED
    return outcome


def _record_failure(event_id: int, exc: Exception, *, now: datetime.datetime) -> None:
    with transaction.atomic():
        event = (
            WebhookEvent.objects.select_for_update()
            .filter(pk=event_id, outcome=WebhookEvent.Outcome.PENDING)
            .first()
        )
        if event is None:
            return
        event.attempts += 1
        event.error = type(exc).__name__[:100]
        if event.attempts >= PROCESS_MAX_ATTEMPTS:
            event.outcome = WebhookEvent.Outcome.FAILED
            event.processed_at = now
        event.save(update_fields=["attempts", "error", "outcome", "processed_at"])


def _dispatch(event: WebhookEvent, *, now: datetime.datetime) -> str:
    if event.event_type not in HANDLED or not event.line_user_id:
        return WebhookEvent.Outcome.IGNORED
    raw = event.raw
    if event.event_type in ("follow", "unfollow"):
        _friend_state(event, following=event.event_type == "follow")
    elif event.event_type == "message":
        _message(event, raw, now=now)
    elif event.event_type == "unsend":
        _unsend(event, raw)
    elif event.event_type == "messageEdited":
        _edited(event, raw)
    elif event.event_type == "postback":
        _postback(event, raw)
    return WebhookEvent.Outcome.DONE


def line_user_lock(line_user_id: str) -> LineUser:
    """Her LineUser row, created if new, locked for the rest of the transaction (two events of
    hers processed at once would otherwise both create her, or both open a conversation)."""
    LineUser.objects.bulk_create([LineUser(line_user_id=line_user_id)], ignore_conflicts=True)
    return LineUser.objects.select_for_update().get(line_user_id=line_user_id)


def _friend_state(event: WebhookEvent, *, following: bool) -> None:
    user = line_user_lock(event.line_user_id)
    changed = []
    if following and (user.first_followed_at is None or event.occurred_at < user.first_followed_at):
        user.first_followed_at = event.occurred_at
        changed.append("first_followed_at")
    # The event's time decides, not its arrival: a late redelivery of an older follow does
    # not undo a newer block.
    if user.friend_state_at is None or event.occurred_at >= user.friend_state_at:
        user.is_friend = following
        user.friend_state_at = event.occurred_at
        changed += ["is_friend", "friend_state_at"]
    if changed:
        user.save(update_fields=changed)


def _placeholder(message: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """(kind, detail) of a non-text message: what the counselor is shown instead of words."""
    kind = message.get("type") if isinstance(message.get("type"), str) else "other"
    detail: dict[str, Any] = {}
    if kind == "sticker":
        detail = {
            "package_id": str(message.get("packageId", "")),
            "sticker_id": str(message.get("stickerId", "")),
        }
    elif kind == "file":
        detail = {
            "file_name": str(message.get("fileName", ""))[:200],
            "file_size": message.get("fileSize"),
        }
    elif kind == "location":
        detail = {
            "title": str(message.get("title") or "")[:200],
            "address": str(message.get("address") or "")[:300],
            "latitude": message.get("latitude"),
            "longitude": message.get("longitude"),
        }
    elif kind in ("video", "audio"):
        detail = {"duration_ms": message.get("duration")}
    if kind not in Message.Kind.values:
        kind = Message.Kind.OTHER
        detail = {"type": str(message.get("type", ""))[:40]}
    return kind, detail


def _message(event: WebhookEvent, raw: dict[str, Any], *, now: datetime.datetime) -> None:
    parsed = _parsed(raw)
    message = raw.get("message") if isinstance(raw.get("message"), dict) else {}
    message_id = str(message.get("id", ""))[:64]
    if (
        message_id
        and Message.objects.filter(
            direction=Message.Direction.IN, line_message_id=message_id
        ).exists()
    ):
        return  # the same message under a new webhookEventId: already recorded
    user = line_user_lock(event.line_user_id)
    kind, detail = _placeholder(message)
    if parsed is not None and getattr(parsed, "message", None) is not None:
        # The SDK knows this message type: take the text from its model.
        text = getattr(parsed.message, "text", None) or ""
    else:
        text = message.get("text") if isinstance(message.get("text"), str) else ""
    if kind != Message.Kind.TEXT:
        text = ""  # a sticker's keywords are not her words
    # Her unsend may have come first (a redelivered message arrives late): keep no words then.
    unsent = (
        WebhookEvent.objects.filter(event_type="unsend", raw__unsend__messageId=message_id)
        .values_list("occurred_at", flat=True)
        .first()
        if message_id
        else None
    )
    if unsent is not None:
        text, detail = "", {}
    message = conversation_services.message_received(
        line_user=user,
        event=event,
        kind=kind,
        text=text[: Message._meta.get_field("text").max_length],
        detail=detail,
        line_message_id=message_id,
        reply_token=str(raw.get("replyToken") or "")[:100],
        fresh=_is_fresh(event, now=now) and unsent is None,
        now=now,
    )
    if unsent is not None:
        message.retracted_at = unsent
        message.media = Message.Media.NONE
        message.save(update_fields=["retracted_at", "media"])


def _is_fresh(event: WebhookEvent, *, now: datetime.datetime) -> bool:
    """Only a first delivery processed promptly gets an automatic reply: a redelivery or a
    backlog processed late would answer out of date."""
    return not event.is_redelivery and now - event.occurred_at <= FRESH_FOR


def _unsend(event: WebhookEvent, raw: dict[str, Any]) -> None:
    unsend = raw.get("unsend") if isinstance(raw.get("unsend"), dict) else {}
    message_id = str(unsend.get("messageId", ""))
    if not message_id:
        return
    message = (
        Message.objects.select_for_update()
        .filter(direction=Message.Direction.IN, line_message_id=message_id)
        .first()
    )
    if message is None or message.retracted_at is not None:
        return
    # She took it back: its words go, from every version; the row stays as "unsent".
    message.retracted_at = event.occurred_at
    message.text = ""
    message.detail = {}
    message.save(update_fields=["retracted_at", "text", "detail"])
    message.revisions.update(text="")
    from ..models import MessageMedia

    MessageMedia.objects.filter(message=message).delete()


def _edited(event: WebhookEvent, raw: dict[str, Any]) -> None:
    from ..models import MessageRevision

    edited = raw.get("message") if isinstance(raw.get("message"), dict) else {}
    message_id = str(edited.get("id", ""))
    text = edited.get("text") if isinstance(edited.get("text"), str) else ""
    message = (
        Message.objects.select_for_update()
        .filter(direction=Message.Direction.IN, line_message_id=message_id)
        .first()
    )
    if message is None or message.retracted_at is not None:
        return
    text = text[: Message._meta.get_field("text").max_length]
    current_at = message.edited_at or message.sent_at
    if event.occurred_at > current_at:
        # This edit is newer: the version shown so far becomes a revision.
        MessageRevision.objects.create(message=message, text=message.text, version_at=current_at)
        message.text = text
        message.edited_at = event.occurred_at
        message.save(update_fields=["text", "edited_at"])
    else:
        # Edits may arrive out of order: an older one is kept as a revision only.
        MessageRevision.objects.create(message=message, text=text, version_at=event.occurred_at)


def _postback(event: WebhookEvent, raw: dict[str, Any]) -> None:
    postback = raw.get("postback") if isinstance(raw.get("postback"), dict) else {}
    params = postback.get("params") if isinstance(postback.get("params"), dict) else {}
    user = line_user_lock(event.line_user_id)
    row, created = Postback.objects.get_or_create(
        event=event,
        defaults={
            "line_user": user,
            "data": str(postback.get("data", ""))[:300],
            "params": params,
            "occurred_at": event.occurred_at,
        },
    )
    if created:
        for hook in hooks.postback_received:
            hook.handle(row)


def events_sweep(*, limit: int = 500, older_than: datetime.timedelta | None = None) -> int:
    """Process events never processed (the broker was down, a worker died); returns how many
    were processed. `older_than` leaves alone what a task is probably about to do."""
    cutoff = timezone.now() - (older_than if older_than is not None else datetime.timedelta(0))
    ids = list(
        WebhookEvent.objects.filter(outcome=WebhookEvent.Outcome.PENDING, received_at__lte=cutoff)
        .order_by("received_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    done = 0
    for pk in ids:
        if event_process(event_id=pk) is not None:
            done += 1
    return done
