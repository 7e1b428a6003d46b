"""Thin Celery wrapper: the retention job re-finds the clients due in the database each day."""

from __future__ import annotations

from celery import shared_task

from . import services


@shared_task(acks_late=True)
def retention_anonymise() -> int:
    """Daily: anonymise clients with no activity for RETENTION_YEARS (one transaction each)."""
    return len(services.retention_anonymise())
