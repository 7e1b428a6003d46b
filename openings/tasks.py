"""Celery wrappers around openings services. Idempotent: running twice changes nothing."""

from __future__ import annotations

import datetime

from celery import shared_task
from django.utils import timezone

from .models import Channel
from .services import MATERIALIZE_AHEAD_DAYS, openings_materialize


@shared_task
def materialize_ahead() -> dict[str, int]:
    """Keep the next MATERIALIZE_AHEAD_DAYS days of openings materialised (daily, by beat)."""
    today = timezone.localdate()
    end = today + datetime.timedelta(days=MATERIALIZE_AHEAD_DAYS)
    return {
        channel: openings_materialize(start=today, end=end, channel=channel)
        for channel in Channel.values
    }
