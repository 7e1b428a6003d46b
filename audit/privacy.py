"""What the audit app holds about a client, for her APPI rights (`core.registry.client_data`):
who looked at her records (the access log, refused attempts included) and who opened them
"break-glass". Disclosed only: these rows hold no content of her record (object type and id,
the staff member, the time), so anonymisation leaves them as they are, and they stay
append-only.

Her records are named by every registered holder's `records(client)`, so a new app's rows
(a referral, a LINE conversation) are covered once it registers them.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core import registry

from .models import AccessLog, BreakGlassAccess


def her_records_q(client) -> Q:
    """A filter on (object_type, object_id) for every row of hers that the holders name."""
    q = Q(pk__in=[])
    for holder in registry.client_data:
        if holder.records is None:
            continue
        for object_type, ids in holder.records(client).items():
            ids = [str(pk) for pk in ids]
            if ids:
                q |= Q(object_type=object_type, object_id__in=ids)
    return q


def _when(value) -> str:
    return timezone.localtime(value).isoformat()


def disclose(client) -> list[dict[str, Any]]:
    q = her_records_q(client)
    accesses = AccessLog.objects.filter(q).select_related("user").order_by("at", "pk")
    grants = BreakGlassAccess.objects.filter(q).select_related("user").order_by("at", "pk")
    return [
        {
            "label": _("Who accessed her records"),
            "rows": [
                {
                    _("time"): _when(row.at),
                    _("user"): str(row.user),
                    _("username"): row.username,
                    _("roles"): row.roles,
                    _("action"): row.get_action_display(),
                    _("record"): f"{row.object_type} #{row.object_id}",
                }
                for row in accesses
            ],
        },
        {
            "label": _("Break-glass accesses"),
            "rows": [
                {
                    _("time"): _when(row.at),
                    _("user"): str(row.user),
                    _("record"): f"{row.object_type} #{row.object_id}",
                    _("reason"): row.reason,
                    _("valid until"): _when(row.expires_at),
                }
                for row in grants
            ],
        },
    ]
