"""Reads of the LINE channel: conversations and messages scoped to the user, the texts of the
automatic replies, the channel settings, and the numbers for the yearly report.

Message bodies are her words: views that show them declare an access-log entry.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from core import authz
from openings.selectors import day_bounds

from .models import AutoReplyText, ChannelSettings, Conversation, LineUser, Message, WebhookEvent


def channel_settings() -> ChannelSettings:
    """The one settings row (defaults until a supervisor saves it; nothing is written here)."""
    return ChannelSettings.objects.filter(pk=1).first() or ChannelSettings(pk=1)


def autoreply_texts() -> list[tuple[str, str, str, AutoReplyText | None]]:
    """(key, label, text, stored row or None) of every automatic reply, in the Key order."""
    from .services.autoreplies import DEFAULT_TEXTS

    stored = {row.key: row for row in AutoReplyText.objects.select_related("updated_by")}
    return [
        (key, label, stored[key].text if key in stored else DEFAULT_TEXTS[key], stored.get(key))
        for key, label in AutoReplyText.Key.choices
    ]


def conversations_for(user) -> QuerySet[Conversation]:
    """Conversations the user may read: counselors and supervisors (the inbox is one team's)."""
    qs = Conversation.objects.select_related("line_user", "client", "assigned_to", "opening")
    if authz.is_supervisor(user) or authz.is_counselor(user):
        return qs
    return qs.none()


def messages_for(user, conversation: Conversation) -> QuerySet[Message]:
    """Her conversation's messages, oldest first; unsent ones carry no text."""
    if not conversations_for(user).filter(pk=conversation.pk).exists():
        return Message.objects.none()
    return conversation.messages.select_related("sent_by").prefetch_related("revisions")


def show_line_profile() -> bool:
    return channel_settings().show_line_profile


def line_profile_for(user, line_user: LineUser) -> dict[str, str] | None:
    """Her LINE display name and picture, when a supervisor allowed counselors to see them (a
    supervisor always may)."""
    if not (authz.is_supervisor(user) or (authz.is_counselor(user) and show_line_profile())):
        return None
    return {"display_name": line_user.display_name, "picture_url": line_user.picture_url}


# --- numbers for the yearly report (issue: the report's line.* keys) ---------------------------


def _bounds(
    start: datetime.date, end: datetime.date
) -> tuple[datetime.datetime, datetime.datetime]:
    return day_bounds(start, end)


def report_numbers(start: datetime.date, end: datetime.date) -> Mapping[str, object]:
    """The LINE figures of the period [start, end] (Tokyo dates, both inclusive).

    - friends_at_end: LINE users whose latest follow/unfollow event at or before the end is a
      follow;
    - follows, unfollows, messages_received: events whose timestamps fall in the period, each
      webhookEventId once (they are unique rows); messages are one-to-one messages from her;
    - messages_outside_hours: those of her messages received outside every opening window;
    (Opening days, LINE consultations and their ratio are the openings' and the cases' part
    of the report: one definition each.)
    - conversations_by_outcome: conversations closed in the period, by outcome code.
    A fixed number of queries, aggregated in the database.
    """
    since, until = _bounds(start, end)
    latest = (
        WebhookEvent.objects.filter(
            line_user_id=OuterRef("line_user_id"),
            event_type__in=("follow", "unfollow"),
            occurred_at__lt=until,
        )
        .order_by("-occurred_at", "-pk")
        .values("event_type")[:1]
    )
    friends = (
        WebhookEvent.objects.filter(event_type="follow", occurred_at__lt=until)
        .exclude(line_user_id="")
        .values("line_user_id")
        .distinct()
        .annotate(last=Subquery(latest))
        .filter(last="follow")
        .count()
    )
    in_period = WebhookEvent.objects.filter(occurred_at__gte=since, occurred_at__lt=until)
    counts = in_period.exclude(line_user_id="").aggregate(
        follows=Count("pk", filter=Q(event_type="follow")),
        unfollows=Count("pk", filter=Q(event_type="unfollow")),
        messages=Count("pk", filter=Q(event_type="message")),
    )
    outside = Message.objects.filter(
        direction=Message.Direction.IN,
        sent_at__gte=since,
        sent_at__lt=until,
        outside_hours=True,
    ).count()
    by_outcome = dict.fromkeys(Conversation.Outcome.values, 0)
    by_outcome.update(
        Conversation.objects.filter(closed_at__gte=since, closed_at__lt=until)
        .values("outcome")
        .annotate(n=Coalesce(Count("pk"), 0))
        .values_list("outcome", "n")
    )
    return {
        "friends_at_end": friends,
        "follows": counts["follows"],
        "unfollows": counts["unfollows"],
        "messages_received": counts["messages"],
        "messages_outside_hours": outside,
        "conversations_by_outcome": by_outcome,
    }
