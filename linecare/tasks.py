"""Celery wrappers around LINE care's services: ids only, idempotent, re-found by the sweep."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from .models import Broadcast
from .services import broadcasts


@shared_task
def send_broadcast(broadcast_id: int) -> str | None:
    status = broadcasts.broadcast_send(broadcast_id=broadcast_id)
    if status == broadcasts.RETRY:
        # LINE said to wait (429, 5xx): resume from the first unsent batch when the backoff
        # says (the sweep would find it too).
        due = (
            Broadcast.objects.filter(pk=broadcast_id, status__in=["approved", "sending"])
            .values_list("next_attempt_at", flat=True)
            .first()
        )
        if due is not None:
            delay = max(0.0, (due - timezone.now()).total_seconds())
            send_broadcast.apply_async((broadcast_id,), countdown=delay)
    return status


@shared_task
def sweep_broadcasts() -> int:
    """Broadcasts approved or sending whose attempt is due (a lost task, a retry)."""
    return broadcasts.broadcasts_send_due()
