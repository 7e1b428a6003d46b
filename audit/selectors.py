"""Reads of the audit trail for supervisors: "who accessed this record" and "everything this
user touched between T1 and T2", the first questions after a suspected leak."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from .models import AccessLog, SecurityEvent

# The few rows a record's page shows; the whole list is one click away.
RECENT_ON_PAGE = 8


@dataclass(frozen=True)
class AccessQuery:
    """What a supervisor asks of the access log. `records` narrows to some records' rows (a
    client's, from `audit.privacy.her_records_q`, or one record's)."""

    start: datetime.datetime
    end: datetime.datetime
    user_id: int | None = None
    records: Q | None = None
    action: str = ""


def access_rows(query: AccessQuery) -> QuerySet[AccessLog]:
    """The access-log rows matching `query`, newest first, with their user (one query)."""
    rows = AccessLog.objects.filter(at__gte=query.start, at__lt=query.end)
    if query.user_id is not None:
        rows = rows.filter(user_id=query.user_id)
    if query.records is not None:
        rows = rows.filter(query.records)
    if query.action:
        rows = rows.filter(action=query.action)
    return rows.select_related("user").order_by("-at", "-pk")


def recent_accesses(records: Q, *, limit: int = RECENT_ON_PAGE) -> list[AccessLog]:
    """The latest rows on these records, for the section on a client's or a case's page."""
    return list(
        AccessLog.objects.filter(records).select_related("user").order_by("-at", "-pk")[:limit]
    )


def security_events_of(user_id: int, start: datetime.datetime, end: datetime.datetime):
    """Her sign-ins that failed, lockouts, MFA changes, ended sessions in the window: a
    leak's timeline needs them beside her accesses."""
    return (
        SecurityEvent.objects.filter(at__gte=start, at__lt=end)
        .filter(Q(user_id=user_id) | Q(actor_id=user_id))
        .select_related("user", "actor")
        .order_by("-at", "-pk")
    )


def record_q(object_type: str, object_id: object) -> Q:
    """The rows on one record."""
    return Q(object_type=object_type, object_id=str(object_id))
