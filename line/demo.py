"""Demo LINE data: the FY2022 year of the demo clients as LINE events, and a live inbox.

Registered as the "line" demo seeder, after "cases" (whose clients are the LINE friends and
whose LINE consultations become closed conversations). Everything is invented and follows
from the seed:
- every demo client added the account when she first contacted us (a follow event); some
  blocked it and came back (unfollow, then a follow with isUnblocked); some extra friends who
  never wrote blocked it for good. At the end of March 2023 exactly the demo clients are
  friends: 1,424 at --scale 1, as the report counts them;
- every LINE consultation is a closed conversation in its opening window, with her messages
  (as message events) and the counselors' answers; some began outside the window, with the
  automatic reply;
- around `ctx.now`, conversations waiting, in progress and closed, so the inbox is alive.
Rows are written with bulk_create in batches; the delete removes exactly them.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Mapping

import pgtrigger
from django.db.models import Model, Q

from accounts.demo import COUNSELORS
from cases.demo import demo_clients
from core.demo import delete_rows
from core.registry import DemoContext
from openings.demo import FY_END
from openings.models import Channel

from .models import (
    Conversation,
    ConversationEvent,
    LineUser,
    Message,
    WebhookEvent,
    new_retry_key,
)

UTC = datetime.UTC
BATCH = 5000
EVENT_PREFIX = "DEMO"
REFOLLOW_SHARE = 0.06  # blocked the account once, then came back
EXTRA_BLOCKED = 130  # friends who never wrote and blocked for good, per --scale
OUTSIDE_SHARE = 0.08  # conversations begun before the window opened

HER_FIRST = (
    "こんにちは。相談してもいいですか",
    "はじめまして。誰かに話を聞いてほしくて",
    "夫のことで相談したいです",
    "お金のことで困っています",
    "家に帰りたくないです",
    "仕事がつらくて眠れません",
    "生理用品が買えなくて困っています",
    "親とうまくいかなくて",
)
HER_MORE = (
    "ずっと一人で悩んでいました",
    "はい、そうです",
    "どうしたらいいかわかりません",
    "話せて少し楽になりました",
    "ありがとうございます",
    "今日はこのくらいにします",
)
OURS = (
    "ご連絡ありがとうございます。相談員です。よろしければお話を聞かせてください。",
    "それはつらかったですね。話してくださってありがとうございます。",
    "よろしければ、もう少し詳しく教えていただけますか。",
    "お住まいの区の窓口にも相談できます。ご案内しましょうか。",
    "またいつでもご相談ください。",
)
OUTSIDE_REPLY = "ただいま受付時間外です。次の受付時間にお返事します。"
OUTCOMES = ("resolved",) * 6 + ("referred",) * 2 + ("ended_by_her", "no_reply", "mistaken")


def _ms(at: datetime.datetime) -> int:
    return int(at.timestamp() * 1000)


class _Writer:
    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.n = 0
        self.events: list[WebhookEvent] = []

    def event(self, kind: str, user: str, at: datetime.datetime, **extra) -> WebhookEvent:
        self.n += 1
        event_id = f"{EVENT_PREFIX}{self.seed % 10000:04d}{self.n:018d}"
        raw = {
            "type": kind,
            "mode": "active",
            "timestamp": _ms(at),
            "source": {"type": "user", "userId": user},
            "webhookEventId": event_id,
            "deliveryContext": {"isRedelivery": False},
            **extra,
        }
        row = WebhookEvent(
            webhook_event_id=event_id,
            event_type=kind,
            source_type="user",
            line_user_id=user,
            occurred_at=at,
            is_redelivery=False,
            raw=raw,
            outcome=WebhookEvent.Outcome.DONE,
            attempts=1,
            processed_at=at,
        )
        self.events.append(row)
        return row


def seed(ctx: DemoContext) -> Mapping[str, int]:
    seeded = ctx.shared["cases"]
    plan = seeded.plan
    users = ctx.shared["users"]
    counselor_ids = [users[name] for name in COUNSELORS if name in users]
    line_openings = ctx.shared["openings"][Channel.LINE]
    rng = random.Random(ctx.seed * 7919 + 12)
    writer = _Writer(ctx.seed)
    fy_end = FY_END.astimezone(UTC)

    # 1. Friends: the demo clients, and the extra ones who blocked for good.
    line_users: list[LineUser] = []
    for i, c in enumerate(plan.clients):
        at = c.first_contact_at
        writer.event("follow", c.line_user_id, at, follow={"isUnblocked": False})
        state_at = at
        if rng.random() < REFOLLOW_SHARE and fy_end - at > datetime.timedelta(days=30):
            span = (fy_end - at).total_seconds()
            blocked = at + datetime.timedelta(seconds=rng.uniform(0.1, 0.5) * span)
            back = blocked + datetime.timedelta(seconds=rng.uniform(0.05, 0.4) * span)
            writer.event("unfollow", c.line_user_id, blocked)
            writer.event("follow", c.line_user_id, back, follow={"isUnblocked": True})
            state_at = back
        line_users.append(
            LineUser(
                line_user_id=c.line_user_id,
                client_id=seeded.client_ids[i],
                is_friend=True,
                friend_state_at=state_at,
                first_followed_at=at,
            )
        )
    fy_seconds = (fy_end - plan.clients[0].first_contact_at).total_seconds() if plan.clients else 0
    start = plan.clients[0].first_contact_at if plan.clients else fy_end
    for _ in range(EXTRA_BLOCKED * ctx.scale):
        user = f"U{rng.getrandbits(128):032x}"
        at = start + datetime.timedelta(seconds=rng.uniform(0, 0.9) * fy_seconds)
        gone = at + datetime.timedelta(seconds=rng.uniform(60, (fy_end - at).total_seconds()))
        writer.event("follow", user, at, follow={"isUnblocked": False})
        writer.event("unfollow", user, gone)
        line_users.append(
            LineUser(line_user_id=user, is_friend=False, friend_state_at=gone, first_followed_at=at)
        )
    LineUser.objects.bulk_create(line_users, batch_size=BATCH)  # sets the pks (PostgreSQL)
    user_pk = {u.line_user_id: u.pk for u in line_users}
    line_id_of = {u.pk: u.line_user_id for u in line_users}

    # 2. Every LINE consultation of the year: a closed conversation with its messages.
    conversations: list[Conversation] = []
    threads: list[list[tuple]] = []  # per conversation: (direction, text, at, outside, auto)
    for k, row in enumerate(plan.consultations):
        if row.kind != "line" or seeded.consultation_ids[k] is None:
            continue
        c = plan.clients[row.client]
        began = row.started_at
        messages: list[tuple] = []
        outside = rng.random() < OUTSIDE_SHARE
        if outside:
            early = began - datetime.timedelta(hours=rng.randint(2, 20))
            messages.append(("in", rng.choice(HER_FIRST), early, True, ""))
            messages.append(
                (
                    "out",
                    OUTSIDE_REPLY,
                    early + datetime.timedelta(seconds=2),
                    True,
                    Message.AutoReply.OUTSIDE_HOURS,
                )
            )
            began = early
        else:
            messages.append(("in", rng.choice(HER_FIRST), row.started_at, False, ""))
        span = max((row.ended_at - row.started_at).total_seconds(), 60)
        for j in range(rng.randint(2, 4)):
            at = row.started_at + datetime.timedelta(seconds=span * (2 * j + 1) / 9)
            messages.append(("out", OURS[min(j, len(OURS) - 1)], at, False, ""))
            messages.append(
                ("in", rng.choice(HER_MORE), at + datetime.timedelta(seconds=span / 9), False, "")
            )
        messages.append(("out", OURS[-1], row.ended_at, False, ""))
        opening_id = None
        if row.channel_opening and row.channel_opening[0] == Channel.LINE:
            opening_id = line_openings[row.channel_opening[1]].pk
        counselor = users.get(row.counselors[0]) if row.counselors else None
        conversations.append(
            Conversation(
                line_user_id=user_pk[c.line_user_id],
                client_id=seeded.client_ids[row.client],
                status=Conversation.Status.RESOLVED,
                assigned_to_id=counselor,
                outcome=rng.choice(OUTCOMES),
                opened_at=began,
                claimed_at=row.started_at,
                closed_at=row.ended_at,
                closed_by_id=counselor,
                last_message_at=row.ended_at,
                last_incoming_at=max(m[2] for m in messages if m[0] == "in"),
                opening_id=opening_id,
                consultation_id=seeded.consultation_ids[k],
            )
        )
        threads.append(messages)

    # 3. Around now: waiting, in progress (the inbox on first run).
    now = ctx.now.astimezone(UTC)
    live = [i for i in range(len(plan.clients))][-8:]
    states = ["waiting", "waiting", "waiting", "open", "open", "open", "waiting", "open"]
    for n, (i, state) in enumerate(zip(live, states, strict=False)):
        c = plan.clients[i]
        began = now - datetime.timedelta(minutes=5 + 9 * n)
        counselor = (
            counselor_ids[n % len(counselor_ids)] if state == "open" and counselor_ids else None
        )
        if state == "open" and counselor is None:
            state = "waiting"
        messages = [("in", HER_FIRST[n % len(HER_FIRST)], began, False, "")]
        if state == "open":
            messages.append(("out", OURS[0], began + datetime.timedelta(minutes=2), False, ""))
            messages.append(
                (
                    "in",
                    HER_MORE[n % len(HER_MORE)],
                    began + datetime.timedelta(minutes=3),
                    False,
                    "",
                )
            )
        conversations.append(
            Conversation(
                line_user_id=user_pk[c.line_user_id],
                client_id=seeded.client_ids[i],
                status=state,
                assigned_to_id=counselor,
                urgent=n == 1,
                category="no_home" if n == 1 else "",
                opened_at=began,
                claimed_at=began + datetime.timedelta(minutes=1) if counselor else None,
                last_message_at=max(m[2] for m in messages),
                last_incoming_at=max(m[2] for m in messages if m[0] == "in"),
            )
        )
        threads.append(messages)

    Conversation.objects.bulk_create(conversations, batch_size=BATCH)
    message_rows: list[Message] = []
    conversation_events: list[ConversationEvent] = []
    for conversation, messages in zip(conversations, threads, strict=True):
        user_id = line_id_of[conversation.line_user_id]
        conversation_events.append(
            ConversationEvent(conversation=conversation, kind="started", at=conversation.opened_at)
        )
        if conversation.claimed_at:
            conversation_events.append(
                ConversationEvent(
                    conversation=conversation,
                    kind="claimed",
                    by_id=conversation.assigned_to_id,
                    at=conversation.claimed_at,
                )
            )
        if conversation.closed_at:
            conversation_events.append(
                ConversationEvent(
                    conversation=conversation,
                    kind="closed",
                    by_id=conversation.closed_by_id,
                    at=conversation.closed_at,
                    before="open",
                    after=conversation.outcome,
                )
            )
        for direction, text, at, outside, auto in messages:
            if direction == "in":
                message_id = str(10**15 + writer.n)
                event = writer.event(
                    "message",
                    user_id,
                    at,
                    message={"id": message_id, "type": "text", "text": text},
                )
                message_rows.append(
                    Message(
                        conversation=conversation,
                        direction="in",
                        kind="text",
                        text=text,
                        line_message_id=message_id,
                        event=event,
                        sent_at=at,
                        outside_hours=outside,
                        status="received",
                    )
                )
            else:
                message_rows.append(
                    Message(
                        conversation=conversation,
                        direction="out",
                        kind="text",
                        text=text,
                        sent_at=at,
                        outside_hours=outside,
                        status="sent",
                        retry_key=new_retry_key(),
                        auto_reply=auto,
                        sent_by_id=None if auto else conversation.assigned_to_id,
                        attempts=1,
                    )
                )
    WebhookEvent.objects.bulk_create(writer.events, batch_size=BATCH)
    Message.objects.bulk_create(message_rows, batch_size=BATCH)
    ConversationEvent.objects.bulk_create(conversation_events, batch_size=BATCH)
    return {
        "LINE friends at the end of FY2022": len(plan.clients),
        "LINE users": len(line_users),
        "LINE events": len(writer.events),
        "LINE conversations": len(conversations),
        "LINE messages": len(message_rows),
    }


def _demo_line_users():
    return LineUser.objects.filter(
        Q(client__in=demo_clients())
        | Q(
            client__isnull=True,
            line_user_id__in=WebhookEvent.objects.filter(
                webhook_event_id__startswith=EVENT_PREFIX
            ).values("line_user_id"),
        )
    )


def present(ctx: DemoContext) -> Mapping[str, int]:
    return {
        "LINE events": WebhookEvent.objects.filter(
            webhook_event_id__startswith=EVENT_PREFIX
        ).count()
    }


def delete(ctx: DemoContext) -> int:
    from .models import AutoReplySent, MessageMedia, MessageRevision, Postback

    users = list(_demo_line_users().values_list("pk", flat=True))
    conversations = Conversation.objects.filter(line_user_id__in=users)
    messages = Message.objects.filter(conversation__in=conversations)
    line_ids = list(LineUser.objects.filter(pk__in=users).values_list("line_user_id", flat=True))
    with pgtrigger.ignore("line.ConversationEvent:line_conversationevent_append_only"):
        return delete_rows(
            MessageMedia.objects.filter(message__in=messages),
            MessageRevision.objects.filter(message__in=messages),
            messages,
            ConversationEvent.objects.filter(conversation__in=conversations),
            conversations,
            Postback.objects.filter(line_user_id__in=users),
            AutoReplySent.objects.filter(line_user_id__in=users),
            WebhookEvent.objects.filter(
                Q(webhook_event_id__startswith=EVENT_PREFIX) | Q(line_user_id__in=line_ids)
            ),
            LineUser.objects.filter(pk__in=users),
        )


def tables() -> tuple[type[Model], ...]:
    return (LineUser, WebhookEvent, Conversation, ConversationEvent, Message)
