"""Thin Celery wrappers. The Notification row is the truth; these only act on it."""

from __future__ import annotations

from celery import shared_task

from . import services
from .models import Notification


@shared_task(bind=True, acks_late=True, max_retries=Notification.EMAIL_MAX_ATTEMPTS - 1)
def deliver_email(self, notification_id: int) -> None:
    state = services.notification_email_deliver(notification_id=notification_id)
    if state == Notification.EmailState.PENDING and self.request.retries < self.max_retries:
        # Back off; the retry sweep also re-finds it if this message is lost.
        raise self.retry(countdown=60 * (self.request.retries + 1))


@shared_task(acks_late=True)
def retry_emails() -> int:
    return services.notifications_email_retry()
