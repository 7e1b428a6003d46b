"""Reads of the LINE channel: conversations and messages scoped to the user, the texts of the
automatic replies, the channel settings, and the numbers for the yearly report.

Message bodies are her words: views that show them declare an access-log entry.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery
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
    """Conversations the user may read: counselors and supervisors (the inbox is one team's);
    an expert only those routed to her on her expert days (never the queue, never another)."""
    qs = Conversation.objects.select_related("line_user", "client", "assigned_to", "opening")
    if authz.is_supervisor(user) or authz.is_counselor(user):
        return qs
    if authz.is_expert(user):
        return qs.filter(expert_day__expert_id=user.pk, assigned_to_id=user.pk)
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


# --- the counselors' inbox and the supervisors' live view --------------------------------------

INBOX_TABS = ("waiting", "mine", "open", "resolved")
RESOLVED_SHOWN = 50


def inbox_tabs_for(user) -> tuple[str, ...]:
    """The tabs this user sees: all open conversations are the supervisors' view; an expert
    who does no counseling has no queue, only what is routed to her."""
    if authz.is_supervisor(user):
        return INBOX_TABS
    if not authz.is_counselor(user):
        return ("mine", "resolved")
    return tuple(tab for tab in INBOX_TABS if tab != "open")


def _unread_q() -> Q:
    return Q(messages__direction=Message.Direction.IN) & (
        Q(read_up_to__isnull=True) | Q(messages__sent_at__gt=F("read_up_to"))
    )


def _annotated(qs: QuerySet[Conversation], now: datetime.datetime) -> QuerySet[Conversation]:
    from cases.models import RiskFlag
    from cases.selectors.common import flag_in_force_q

    from .models import Escalation

    flags = RiskFlag.objects.filter(flag_in_force_q(now), client_id=OuterRef("client_id"))
    waiting_escalation = Escalation.objects.filter(
        conversation_id=OuterRef("pk"), answered_at__isnull=True
    )
    return qs.annotate(
        unread=Count("messages", filter=_unread_q()),
        has_risk=Exists(flags),
        escalation_kind=Subquery(waiting_escalation.values("kind")[:1]),
        escalation_at=Subquery(waiting_escalation.values("raised_at")[:1]),
    )


def inbox_rows(user, tab: str, *, now: datetime.datetime) -> QuerySet[Conversation]:
    """One tab of the inbox, in a fixed number of queries. Waiting: risk first (the triage's
    urgent flag, then a risk flag in force on her record), then oldest first."""
    if tab not in inbox_tabs_for(user):
        return Conversation.objects.none()
    qs = _annotated(conversations_for(user), now)
    if tab == "waiting":
        return qs.filter(status=Conversation.Status.WAITING).order_by(
            "-urgent", "-has_risk", "opened_at", "pk"
        )
    if tab == "mine":
        return qs.filter(status=Conversation.Status.OPEN, assigned_to=user).order_by(
            "-urgent", "last_incoming_at", "pk"
        )
    if tab == "open":
        return qs.exclude(status=Conversation.Status.RESOLVED).order_by(
            "-urgent", "-has_risk", "opened_at", "pk"
        )
    return qs.filter(status=Conversation.Status.RESOLVED).order_by("-closed_at", "-pk")[
        :RESOLVED_SHOWN
    ]


def inbox_counts(user) -> dict[str, int]:
    """{waiting, mine, mine_unread, open} for the tabs' badges (one query)."""
    qs = conversations_for(user).exclude(status=Conversation.Status.RESOLVED)
    mine = Q(status=Conversation.Status.OPEN, assigned_to=user.pk)
    counts = qs.aggregate(
        waiting=Count("pk", filter=Q(status=Conversation.Status.WAITING), distinct=True),
        mine=Count("pk", filter=mine, distinct=True),
        open=Count("pk", distinct=True),
        mine_unread=Count("messages", filter=mine & _unread_q()),
    )
    return {key: value or 0 for key, value in counts.items()}


def conversation_for_page(user, pk: int) -> Conversation:
    """The conversation with what its page shows beside the messages (404 if not hers to see)."""
    from .models import Escalation

    return authz.get_or_deny(
        conversations_for(user).prefetch_related(
            Prefetch(
                "escalations",
                queryset=Escalation.objects.select_related("raised_by", "answered_by"),
            )
        ),
        pk,
    )


def history_for(user, conversation: Conversation) -> list[Message]:
    """Her conversation, oldest first. Every view that calls this shows her words and declares
    an access-log entry."""
    return list(messages_for(user, conversation))


def offers_no_reply(conversation: Conversation, messages: list[Message], now) -> bool:
    """Whether to offer closing as "no reply": our last message to her is older than the
    setting and she has not written since."""
    from django.conf import settings

    if conversation.status != Conversation.Status.OPEN:
        return False
    ours = [
        m.sent_at for m in messages if m.direction == Message.Direction.OUT and not m.auto_reply
    ]
    if not ours or max(ours) <= conversation.last_incoming_at:
        return False
    return now - max(ours) >= datetime.timedelta(minutes=settings.LINE_NO_REPLY_MINUTES)


def case_summary_for(user, conversation: Conversation):
    """Her client record as the cases app shows it to this user (its own scoping), or None.
    An expert does no casework: she reads the referral note of her booking, nothing more."""
    from django.http import Http404

    from cases.selectors.clients import client_detail_get_for

    if not authz.can(user, "line.work_with_conversations"):
        return None

    try:
        return client_detail_get_for(user, conversation.client_id)
    except (Http404, PermissionDenied):
        return None


def routing_choices(user, conversation: Conversation, *, now: datetime.datetime) -> list:
    """Today's expert days whose expert this user may route the conversation to (none when it
    is not for her to route, or already routed): one query when offered, none otherwise."""
    if (
        not authz.can(user, "line.route_to_experts")
        or conversation.status == Conversation.Status.RESOLVED
        or conversation.expert_day_id is not None
        or conversation.assigned_to_id not in (None, user.pk)
        and not authz.is_supervisor(user)
    ):
        return []
    from .services.experts import routable_days

    return routable_days(now)


def expert_routing_for(user, conversation: Conversation) -> dict[str, object] | None:
    """The expert day a conversation is routed to, and the referral note of her booking on it
    (what the expert reads of her), for the conversation's page. Two queries when routed."""
    if conversation.expert_day_id is None:
        return None
    from activities.models import ExpertDay

    day = ExpertDay.objects.select_related("expert").get(pk=conversation.expert_day_id)
    booking = conversation.expert_booking if conversation.expert_booking_id else None
    return {"day": day, "booking": booking}


def canned_responses(*, active_only: bool = True) -> QuerySet:
    from .models import CannedResponse

    qs = CannedResponse.objects.select_related("updated_by")
    return qs.filter(active=True) if active_only else qs


def canned_response_get(pk: int):
    from .models import CannedResponse

    return authz.get_or_deny(CannedResponse.objects.all(), pk)


def counselors_to_assign():
    from accounts.selectors import users_with_roles
    from core.roles import Role

    return users_with_roles(Role.COUNSELOR, Role.SUPERVISOR)


def live_board(user, *, now: datetime.datetime) -> dict[str, object]:
    """Every conversation not closed with its counselor and escalation, and each counselor's
    load (a fixed number of queries)."""
    if not authz.is_supervisor(user):
        return {"rows": [], "load": []}
    rows = list(
        _annotated(conversations_for(user), now)
        .exclude(status=Conversation.Status.RESOLVED)
        .order_by("-urgent", "-has_risk", "opened_at", "pk")
    )
    from .services.conversations import cap

    held: dict[int, int] = {}
    for row in rows:
        if row.status == Conversation.Status.OPEN and row.assigned_to_id:
            held[row.assigned_to_id] = held.get(row.assigned_to_id, 0) + 1
    from accounts.selectors import users_with_roles
    from core.roles import Role

    people = {u.pk: u for u in users_with_roles(Role.COUNSELOR)}
    for row in rows:
        if row.assigned_to_id and row.assigned_to_id not in people:
            people[row.assigned_to_id] = row.assigned_to
    load = sorted(
        ((person, held.get(pk, 0), cap()) for pk, person in people.items()),
        key=lambda item: (-item[1], str(item[0])),
    )
    return {"rows": rows, "load": load}


def home_for(user) -> dict[str, object]:
    """The counselor's home block: the queue's length and her open conversations."""
    counts = inbox_counts(user)
    mine = list(
        conversations_for(user)
        .filter(status=Conversation.Status.OPEN, assigned_to=user)
        .order_by("last_incoming_at", "pk")[:5]
    )
    return {"counts": counts, "mine": mine}


def inbox_version() -> str:
    """Changes whenever a conversation, a message or an escalation does (one query)."""
    from django.db.models import Max

    from .models import ConversationEvent, Escalation

    row = Message.objects.aggregate(
        last=Max("pk"), sending=Count("pk", filter=Q(status=Message.Status.SENDING))
    )
    events = ConversationEvent.objects.aggregate(last=Max("pk"))["last"]
    escalations = Escalation.objects.aggregate(
        last=Max("pk"), open=Count("pk", filter=Q(answered_at__isnull=True))
    )
    return f"{row['last']}.{row['sending']}.{events}.{escalations['last']}.{escalations['open']}"


def conversation_version(conversation: Conversation) -> str:
    """Changes whenever one of its messages, its status or its escalations do."""
    from django.db.models import Max

    row = conversation.messages.aggregate(
        last=Max("pk"),
        sending=Count("pk", filter=Q(status=Message.Status.SENDING)),
        failed=Count("pk", filter=Q(status=Message.Status.FAILED)),
        retracted=Count("pk", filter=Q(retracted_at__isnull=False)),
        edited=Max("edited_at"),
    )
    state = (
        Conversation.objects.filter(pk=conversation.pk)
        .values_list("status", "assigned_to_id")
        .first()
    )
    waiting = conversation.escalations.filter(answered_at__isnull=True).count()
    return ".".join(str(v) for v in (*row.values(), *(state or ()), waiting))


# --- invitations to peer-support sessions -----------------------------------------------------

# Where a registered woman stands for a LINE invitation (before one is sent).
READY = "ready"  # a LINE friend who agreed to be contacted
NOT_ON_LINE = "not_on_line"  # no LINE user linked to her record, or no conversation yet
BLOCKED = "blocked"  # she blocked or removed the account
NOT_AGREED = "not_agreed"  # not asked, or she did not agree to be contacted about it


def _invitation_scope(user, registrations: QuerySet) -> QuerySet:
    """Coordinators and supervisors invite every woman registered; a counselor those she may
    see (her own clients)."""
    if authz.is_coordinator(user) or authz.is_supervisor(user):
        return registrations
    from cases.selectors import clients_visible_to

    return registrations.filter(client__in=clients_visible_to(user).values("pk"))


def invitation_rows(user, session) -> list:
    """The session's registered women this user may invite, each with `number`, `named` (she
    may see who it is), `invitation` (the one sent, or None) and `invitation_state` (sending,
    sent, failed, or READY / NOT_ON_LINE / BLOCKED / NOT_AGREED). Three queries."""
    from activities.models import SessionRegistration
    from cases.selectors import clients_visible_to

    from .models import SessionInvitation

    if not authz.can(user, "line.send_session_invitations"):
        return []
    latest = (
        Conversation.objects.filter(line_user__client_id=OuterRef("client_id"))
        .order_by("-last_message_at", "-pk")
        .values("pk")[:1]
    )
    registrations = (
        SessionRegistration.objects.filter(
            session_id=session.pk, status=SessionRegistration.Status.REGISTERED
        )
        .select_related("client__line_user", "registered_by")
        .annotate(latest_conversation_id=Subquery(latest))
        .prefetch_related(
            Prefetch(
                "line_invitations",
                queryset=SessionInvitation.objects.select_related("message"),
                to_attr="invitations",
            )
        )
        .order_by("registered_at", "pk")
    )
    rows = list(_invitation_scope(user, registrations))
    named = set(
        clients_visible_to(user)
        .filter(pk__in=[row.client_id for row in rows])
        .values_list("pk", flat=True)
    )
    for number, row in enumerate(rows, 1):
        row.number = number
        row.named = row.client_id in named
        row.invitation = row.invitations[0] if row.invitations else None
        line_user = getattr(row.client, "line_user", None)
        if row.invitation is not None:
            row.invitation_state = row.invitation.message.status
        elif line_user is None or row.latest_conversation_id is None:
            row.invitation_state = NOT_ON_LINE
        elif not line_user.is_friend:
            row.invitation_state = BLOCKED
        elif not row.contact_agreed:
            row.invitation_state = NOT_AGREED
        else:
            row.invitation_state = READY
    return rows


def invitations_for(user) -> QuerySet:
    """The invitations this user may see and send again (those of the women she may invite)."""
    from activities.models import SessionRegistration

    from .models import SessionInvitation

    if not authz.can(user, "line.send_session_invitations"):
        return SessionInvitation.objects.none()
    registrations = _invitation_scope(user, SessionRegistration.objects.all())
    return SessionInvitation.objects.select_related("message", "session").filter(
        registration__in=registrations.values("pk")
    )


def invitation_counts(session) -> dict[str, int]:
    """How many invitations of the session are sent, sending, failed (one query, no names)."""
    from .models import SessionInvitation

    counts = SessionInvitation.objects.filter(session_id=session.pk).aggregate(
        sent=Count("pk", filter=Q(message__status=Message.Status.SENT)),
        sending=Count("pk", filter=Q(message__status=Message.Status.SENDING)),
        failed=Count("pk", filter=Q(message__status=Message.Status.FAILED)),
    )
    return {key: value or 0 for key, value in counts.items()}
