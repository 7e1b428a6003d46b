"""Reads of LINE care, scoped to the user asking."""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import User
from core import authz
from line.models import Conversation

from .models import Protocol, RiskExpression, RiskHit
from .triage import Expression


def active_expressions() -> list[Expression]:
    """The triage list as the matcher takes it (one query)."""
    return [
        Expression(category=c, phrase=p, key=k, exception=kind == RiskExpression.Kind.EXCEPTION)
        for c, p, k, kind in RiskExpression.objects.filter(active=True).values_list(
            "category", "phrase", "phrase_key", "kind"
        )
    ]


def expression_list(user: User) -> QuerySet[RiskExpression]:
    authz.require(user, "linecare.edit_risk_expressions")
    return RiskExpression.objects.select_related("updated_by").order_by(
        "category", "kind", "phrase"
    )


def conversation_for(user: User, pk: int) -> Conversation:
    """A LINE conversation the user may work with (404 otherwise)."""
    authz.require(user, "line.work_with_conversations")
    return authz.get_or_deny(
        Conversation.objects.select_related("client", "line_user", "assigned_to"), pk
    )


def hits_of(conversation: Conversation) -> list[RiskHit]:
    return list(RiskHit.objects.filter(conversation=conversation).order_by("at", "pk"))


def protocols_of(conversation: Conversation) -> list[Protocol]:
    return list(
        Protocol.objects.filter(conversation=conversation)
        .select_related("opened_by", "confirmed_by")
        .order_by("-opened_at", "-pk")
    )


def protocol_for(user: User, pk: int) -> Protocol:
    authz.require(user, "line.work_with_conversations")
    return authz.get_or_deny(
        Protocol.objects.select_related("conversation__client", "opened_by", "confirmed_by"), pk
    )


def calls_of(protocol: Protocol):
    return list(protocol.calls.select_related("called_by").order_by("called_at", "pk"))
