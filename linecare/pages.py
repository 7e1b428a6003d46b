"""The panel beside a LINE conversation: the words that matched and the protocol."""

from __future__ import annotations

from django.urls import reverse

from core import authz

from . import selectors


def risk_panel(request, conversation) -> dict | None:
    """Two queries: the hits, the protocols."""
    if not authz.can(request.user, "line.work_with_conversations"):
        return None
    hits = selectors.hits_of(conversation)
    protocols = selectors.protocols_of(conversation)
    if not conversation.urgent and not hits and not protocols:
        return None
    return {
        "conversation": conversation,
        "hits": hits,
        "protocols": protocols,
        "page_url": reverse("linecare:conversation", kwargs={"conversation_pk": conversation.pk}),
    }
