"""The follow-ups of a case, for the case timeline (cases.timeline collects providers)."""

from __future__ import annotations

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from cases.models import Case

from .models import FollowUp


def timeline_entries(case: Case) -> list[dict]:
    """One query: an entry when each follow-up was added, and one when it was done or cancelled."""
    entries: list[dict] = []
    followups = (
        FollowUp.objects.filter(case=case)
        .select_related("created_by", "done_by", "cancelled_by", "assignee")
        .order_by("created_at", "pk")
    )
    for fu in followups:
        url = reverse("followups:detail", args=[fu.pk])
        entries.append(
            {
                "at": fu.created_at,
                "kind": "followup",
                "actor": fu.created_by,
                "title": _("Follow-up added: %(what)s") % {"what": fu.what},
                "body": _("Due %(due)s, assigned to %(who)s")
                % {"due": _local(fu.due_at), "who": fu.assignee},
                "url": url,
                "object": fu,
            }
        )
        if fu.state == FollowUp.State.DONE and fu.done_at:
            entries.append(
                {
                    "at": fu.done_at,
                    "kind": "followup",
                    "actor": fu.done_by,
                    "title": _("Follow-up done: %(what)s") % {"what": fu.what},
                    "url": url,
                    "object": fu,
                }
            )
        elif fu.state == FollowUp.State.CANCELLED and fu.cancelled_at:
            entries.append(
                {
                    "at": fu.cancelled_at,
                    "kind": "followup",
                    "actor": fu.cancelled_by,
                    "title": _("Follow-up cancelled: %(what)s") % {"what": fu.what},
                    "body": fu.cancel_reason,
                    "url": url,
                    "object": fu,
                }
            )
    return entries


def _local(value) -> str:
    return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
