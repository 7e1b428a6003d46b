"""Celery wrappers around the LINE services: ids only, idempotent, re-found by the sweeps."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from .models import Message
from .services import events, inbox, media, outbound


@shared_task
def process_event(event_id: int) -> str | None:
    return events.event_process(event_id=event_id)


@shared_task
def process_events(event_ids: list[int]) -> int:
    """A delivery's events, in order; each in its own transaction."""
    return sum(1 for pk in event_ids if events.event_process(event_id=pk) is not None)


@shared_task
def sweep_events() -> int:
    """Events stored but never processed (the broker was down when they came)."""
    return events.events_sweep()


@shared_task
def send_message(message_id: int) -> str | None:
    status = outbound.message_send(message_id=message_id)
    if status == Message.Status.SENDING:
        # Not yet: retry when the backoff says (the sweep would find it too).
        due = (
            Message.objects.filter(pk=message_id, status=Message.Status.SENDING)
            .values_list("next_attempt_at", flat=True)
            .first()
        )
        if due is not None:
            delay = max(0.0, (due - timezone.now()).total_seconds())
            send_message.apply_async((message_id,), countdown=delay)
    return status


@shared_task
def sweep_sends() -> int:
    return outbound.messages_send_due()


@shared_task
def fetch_media(message_id: int) -> str | None:
    return media.media_fetch(message_id=message_id)


@shared_task
def sweep_media() -> int:
    return media.media_fetch_pending()


@shared_task
def alert_overtime_escalations() -> int:
    """Escalations a supervisor has not answered in time: every supervisor is told, once."""
    return inbox.escalations_alert_overtime()
