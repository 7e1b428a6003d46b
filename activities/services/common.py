"""What the session and expert-day services share: the day-before reminder."""

from __future__ import annotations

import datetime

from django.utils import timezone

from accounts.models import User
from cases.models import Client
from core.time import local_date, local_datetime
from followups.models import FollowUp
from followups.services import followup_cancel, followup_create

REMINDER_TIME = datetime.time(17, 0)


def reminder_due(starts_at: datetime.datetime, now: datetime.datetime) -> datetime.datetime:
    """17:00 in Tokyo the day before, or now when that has passed."""
    due = local_datetime(local_date(starts_at) - datetime.timedelta(days=1), REMINDER_TIME)
    return max(due, now)


def reminder_create(
    *, client: Client, what: str, starts_at: datetime.datetime, assignee: User, by: User
) -> FollowUp | None:
    """A follow-up for her counselor the day before (the follow-up sweep notifies it); none
    for something already begun."""
    now = timezone.now()
    if starts_at <= now:
        return None
    return followup_create(
        client=client,
        what=what[:200],
        due_at=reminder_due(starts_at, now),
        assignee=assignee,
        by=by,
    )


def reminder_cancel(followup_id: int | None, *, by: User, reason: str) -> None:
    """Cancel a reminder no longer needed, if it is still open."""
    if followup_id is None:
        return
    followup = FollowUp.objects.filter(pk=followup_id).first()
    if followup is not None and followup.is_open:
        followup_cancel(followup=followup, by=by, reason=reason[:200])
