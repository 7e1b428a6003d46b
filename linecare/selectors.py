"""Reads of LINE care, scoped to the user asking."""

from __future__ import annotations

import datetime

from django.db.models import Count, Exists, OuterRef, QuerySet, Sum
from django.db.models.functions import Coalesce

from accounts.models import User
from core import authz
from core.time import start_of_day
from line.models import Conversation, LineUser, Message

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


# --- outreach broadcasts ---------------------------------------------------------------------

LINE_USER_ID_SHAPE = r"^U[0-9a-f]{32}$"


def segment_recipients(
    segment: str,
    *,
    ward: str = "",
    period_start: datetime.date | None = None,
    period_end: datetime.date | None = None,
) -> QuerySet[LineUser]:
    """The friends a broadcast's segment reaches, as one query.

    Always only LINE users whose current friend state is "followed": one who blocked or
    unfollowed the account is never included, whatever the segment. A user id not of LINE's
    shape would make LINE refuse the whole batch, so it is left out too.
    """
    from activities.models import SessionRegistration

    from .models import Broadcast

    since = start_of_day(period_start) if period_start else None
    until = start_of_day(period_end + datetime.timedelta(days=1)) if period_end else None
    users = LineUser.objects.filter(is_friend=True, line_user_id__regex=LINE_USER_ID_SHAPE)
    Segment = Broadcast.Segment
    if segment == Segment.WARD:
        users = users.filter(client__ward=ward)
    elif segment == Segment.PEER_SUPPORT:
        attended = SessionRegistration.objects.filter(
            client_id=OuterRef("client_id"), status=SessionRegistration.Status.ATTENDED
        )
        if since:
            attended = attended.filter(session__starts_at__gte=since)
        if until:
            attended = attended.filter(session__starts_at__lt=until)
        users = users.filter(client__isnull=False).filter(Exists(attended))
    elif segment == Segment.NEVER_WROTE:
        wrote = Message.objects.filter(
            conversation__line_user_id=OuterRef("pk"), direction=Message.Direction.IN
        )
        users = users.filter(~Exists(wrote))
    elif segment == Segment.FOLLOWED_BETWEEN:
        if since:
            users = users.filter(first_followed_at__gte=since)
        if until:
            users = users.filter(first_followed_at__lt=until)
    elif segment != Segment.ALL:
        return LineUser.objects.none()
    return users.order_by("pk")


def broadcast_recipients(broadcast) -> QuerySet[LineUser]:
    return segment_recipients(
        broadcast.segment,
        ward=broadcast.ward,
        period_start=broadcast.period_start,
        period_end=broadcast.period_end,
    )


def broadcast_list(user: User) -> QuerySet:
    """Every broadcast, newest first, for those who work with them (404 for anyone else)."""
    from .models import Broadcast

    authz.require(user, "linecare.view_broadcasts")
    return Broadcast.objects.select_related("created_by", "approved_by").defer("image_data")


def broadcast_for(user: User, pk: int):
    return authz.get_or_deny(broadcast_list(user), pk)


def batches_of(broadcast) -> list:
    return list(broadcast.batches.defer("to").order_by("number"))


def broadcast_figures(start: datetime.date, end: datetime.date) -> dict[str, int]:
    """Broadcasts whose sending finished in the Tokyo days start..end, and the friends they
    reached (one query); what the yearly report shows."""
    from .models import Broadcast

    since = start_of_day(start)
    until = start_of_day(end + datetime.timedelta(days=1))
    return Broadcast.objects.filter(
        status=Broadcast.Status.SENT, finished_at__gte=since, finished_at__lt=until
    ).aggregate(broadcasts_sent=Count("pk"), recipients=Coalesce(Sum("sent_count"), 0))
