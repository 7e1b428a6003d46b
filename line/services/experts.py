"""Expert days on LINE (専門相談日): on a day that has an expert day, a counselor or a
supervisor routes a conversation to that day's expert (a lawyer, a nurse or a midwife); she
answers it in her inbox, which shows her nothing else, and closing it records the consultation
of the day's kind (legal / health), held by her and counted once with the day's figures.

Every change writes a ConversationEvent in its transaction.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from activities.models import ExpertDay
from activities.selectors import expert_booking_on, expert_days_on
from core import authz
from core.time import local_date

from ..models import Conversation, ConversationEvent
from .conversations import _event, _require_counselor


def routable_days(now: datetime.datetime) -> list[ExpertDay]:
    """Today's expert days, whose experts a conversation may be routed to (one query)."""
    return list(expert_days_on(local_date(now)))


@transaction.atomic
def conversation_route_to_expert(
    *, conversation: Conversation, expert: User, by: User
) -> Conversation:
    """Give a waiting or claimed conversation to the expert of today's expert day: she holds it
    from now on (beyond any cap), the day, and her booking on it if she has one, are recorded
    on the conversation."""
    _require_counselor(by)
    if not authz.can(by, "line.route_to_experts"):
        raise PermissionDenied(_("You cannot route conversations to an expert."))
    # Routing while another counselor claims, hands over or closes it: one waits for the other.
    conversation = Conversation.objects.select_for_update().get(pk=conversation.pk)
    if conversation.status == Conversation.Status.RESOLVED:
        raise ValidationError(_("This conversation is closed."), code="closed")
    if conversation.expert_day_id is not None:
        raise ValidationError(
            _("This conversation is already routed to an expert."), code="already_routed"
        )
    if conversation.assigned_to_id not in (None, by.pk) and not authz.is_supervisor(by):
        raise PermissionDenied(_("Another counselor has this conversation."))
    if conversation.consultation_id is not None:
        raise ValidationError(
            _("A LINE consultation is already being recorded for this conversation."),
            code="consultation_begun",
        )
    now = timezone.now()
    days = routable_days(now)
    if not days:
        raise ValidationError(
            _("There is no expert day today: a conversation goes to an expert only on her day."),
            code="no_expert_day",
        )
    day = next((d for d in days if d.expert_id == getattr(expert, "pk", None)), None)
    if day is None:
        raise ValidationError(
            {"expert": _("%(name)s is not the expert of today's expert day.") % {"name": expert}},
            code="not_todays_expert",
        )
    if not authz.is_expert(day.expert):
        raise ValidationError({"expert": _("She no longer holds the expert role.")})
    before = str(conversation.assigned_to_id or "")
    conversation.status = Conversation.Status.OPEN
    conversation.assigned_to = day.expert
    conversation.claimed_at = conversation.claimed_at or now
    conversation.read_up_to = None
    conversation.expert_day = day
    conversation.expert_booking = expert_booking_on(day, conversation.client_id)
    conversation.save(
        update_fields=[
            "status",
            "assigned_to",
            "claimed_at",
            "read_up_to",
            "expert_day",
            "expert_booking",
        ]
    )
    _event(
        conversation,
        ConversationEvent.Kind.ROUTED,
        by=by,
        at=now,
        before=before,
        after=f"{day.expert_id}:{day.pk}",
    )
    return conversation


def routed_at(conversation: Conversation) -> datetime.datetime:
    """When the conversation went to the expert (the start of her consultation)."""
    at = (
        conversation.events.filter(kind=ConversationEvent.Kind.ROUTED)
        .order_by("-at", "-pk")
        .values_list("at", flat=True)
        .first()
    )
    return at or conversation.opened_at
