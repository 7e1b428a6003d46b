"""LINE conversations as a download for supervisors (`core.registry.ListExport`): when, how
they ended and how many messages, never a message body, her LINE name or a handover note."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import authz, exports, registry

from . import selectors
from .models import Conversation, Message

CAPABILITY = "cases.export_lists"


def header() -> list[str]:
    return [
        _("Conversation number"), _("Client number"), _("Status"), _("Urgent"),
        _("Triage category"), _("Outcome"), _("Started"), _("Claimed"), _("Closed"),
        _("Counselor"), _("Opening"), _("Consultation number"), _("Messages from her"),
        _("Messages to her"),
    ]  # fmt: skip


def rows(user: Any, params: Mapping[str, str]) -> Iterator[list[Any]]:
    """The conversations started in the period (`from`, `to`), of a `status` when given, with
    their messages counted (not read). One query."""
    first, last = exports.period_param(params)
    status = exports.choice_param(params, "status", Conversation.Status.values)
    qs = (
        selectors.conversations_for(user)
        if authz.can(user, CAPABILITY)
        else Conversation.objects.none()
    )
    qs = qs.filter(exports.period_q("opened_at", first, last))
    if status:
        qs = qs.filter(status=status)
    qs = qs.annotate(
        incoming=Count("messages", filter=Q(messages__direction=Message.Direction.IN)),
        outgoing=Count("messages", filter=Q(messages__direction=Message.Direction.OUT)),
    ).order_by("opened_at", "pk")
    statuses = exports.choice_labels(Conversation.Status.choices)
    categories = exports.choice_labels(Conversation.Category.choices)
    outcomes = exports.choice_labels(Conversation.Outcome.choices)
    return (
        [
            c.pk,
            c.client_id or "",
            statuses.get(c.status, c.status),
            _("yes") if c.urgent else "",
            categories.get(c.category, c.category),
            outcomes.get(c.outcome, c.outcome),
            c.opened_at,
            c.claimed_at,
            c.closed_at,
            str(c.assigned_to) if c.assigned_to_id else "",
            c.opening_id or "",
            c.consultation_id or "",
            c.incoming,
            c.outgoing,
        ]  # fmt: skip
        for c in qs.iterator(chunk_size=2000)
    )


registry.list_exports.register(
    registry.ListExport(
        key="line.conversations",
        label=gettext_lazy("LINE conversations"),
        capability=CAPABILITY,
        model="line.conversation",
        header=header,
        rows=rows,
        stem="line-conversations",
        list_url_name="line:inbox",
        description=gettext_lazy(
            "Each conversation: when it started and ended, its triage category, outcome, "
            "counselor and how many messages each way. No message text, LINE name or "
            "handover note."
        ),
        period=True,
        order=40,
    )
)
