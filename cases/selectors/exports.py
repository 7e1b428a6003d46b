"""What the list downloads read (cases/views/exports.py), scoped to the user."""

from __future__ import annotations

import datetime

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from accounts.models import User
from core.time import start_of_day

from ..models import Consultation
from .access import consultations_visible_to

EXPORT_MAX_DAYS = 3 * 366  # a download covers up to three fiscal years


def consultations_for_export(user: User, start: str, end: str) -> QuerySet[Consultation]:
    """Her visible consultations that started from `start` to `end` (ISO days, both included);
    ValueError with a message for her when the period is missing or wrong."""
    try:
        first = datetime.date.fromisoformat(start)
        last = datetime.date.fromisoformat(end)
    except ValueError:
        raise ValueError(_("Give the first and the last day of the period (YYYY-MM-DD).")) from None
    if first > last:
        raise ValueError(_("The period ends before it starts."))
    if (last - first).days > EXPORT_MAX_DAYS or first.year < 2000:
        raise ValueError(_("Choose a period of at most three years."))
    return (
        consultations_visible_to(user)
        .filter(
            started_at__gte=start_of_day(first),
            started_at__lt=start_of_day(last + datetime.timedelta(days=1)),
        )
        .order_by("started_at", "pk")
    )
