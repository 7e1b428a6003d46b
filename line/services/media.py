"""What she sent besides words (images, videos, audio, files), fetched from LINE's content API
by a task and kept in the database beside the message, under the message's access rules."""

from __future__ import annotations

import logging

from django.db import transaction

from .. import api
from ..models import Message, MessageMedia

logger = logging.getLogger(__name__)

FETCH_MAX_ATTEMPTS = 5


def media_fetch(*, message_id: int) -> str | None:
    """Fetch one message's content once; returns the media state left, None if nothing to do."""
    message = Message.objects.filter(pk=message_id, media=Message.Media.PENDING).first()
    if message is None or message.retracted_at is not None:
        return None
    try:
        content = api.content_get(message.line_message_id)
    except api.ContentError as exc:
        logger.warning("LINE content of message %s: %s", message_id, exc.reason)
        attempts = message.attempts + 1
        retry = exc.status is None or exc.status == 429 or exc.status >= 500
        state = (
            Message.Media.PENDING
            if retry and attempts < FETCH_MAX_ATTEMPTS
            else Message.Media.FAILED
        )
        Message.objects.filter(pk=message_id, media=Message.Media.PENDING).update(
            media=state, attempts=attempts
        )
        return state
    with transaction.atomic():
        # She may have unsent it meanwhile: keep nothing then.
        locked = (
            Message.objects.select_for_update()
            .filter(pk=message_id, media=Message.Media.PENDING, retracted_at__isnull=True)
            .first()
        )
        if locked is None:
            return None
        MessageMedia.objects.update_or_create(
            message=locked,
            defaults={
                "content_type": content.content_type[:100],
                "data": content.data,
                "size": len(content.data),
            },
        )
        locked.media = Message.Media.STORED
        locked.save(update_fields=["media"])
    return Message.Media.STORED


def media_fetch_pending(*, limit: int = 50) -> int:
    ids = list(
        Message.objects.filter(media=Message.Media.PENDING, retracted_at__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)[:limit]
    )
    return sum(1 for pk in ids if media_fetch(message_id=pk) is not None)
