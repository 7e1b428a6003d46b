"""Thin Celery wrappers. Each re-finds its rows in the database, so a lost tick only delays."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(acks_late=True)
def sweep_due() -> dict[str, int]:
    """Every minute: remind assignees of due follow-ups, then escalate long-overdue ones."""
    return {
        "notified": services.followups_notify_due(),
        "escalated": services.followups_escalate_overdue(),
    }


@shared_task(acks_late=True)
def morning_digest() -> int:
    return services.followups_send_morning_digest()
