"""Thin Celery wrappers: ids in, services do the work; each is safe to run twice."""

from __future__ import annotations

from celery import shared_task

from .services import alerts, verify


@shared_task(acks_late=True)
def low_stock_alert(balance_id: int) -> int:
    return alerts.low_stock_alert_send(balance_id=balance_id)


@shared_task(acks_late=True)
def stock_verify_nightly() -> int:
    """Recompute every balance from the ledger; supervisors are told of any difference."""
    differences = verify.stock_verify()
    if differences:
        alerts.stock_verify_alert(differences=len(differences))
    return len(differences)
