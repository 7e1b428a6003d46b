"""Query pieces the case selectors, services and admin share, so each rule is written once."""

from __future__ import annotations

import datetime

from django.db.models import Q


def flag_in_force_q(now: datetime.datetime) -> Q:
    """Filter for risk flags in force at `now`: not cleared, not expired."""
    return Q(cleared_at__isnull=True) & (Q(expires_at__isnull=True) | Q(expires_at__gt=now))
