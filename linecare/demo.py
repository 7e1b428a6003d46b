"""Demo data on the LINE demo year: the FY2022 surveys (233 responses giving the seed's
figures exactly: とにかく誰かに相談したかった 56.6%, LINEなら相談できるかもしれないと思った
53.5%, 相談して良かった 79.4%, 前向きな気持ちになれた 75.1% against the 70% target), a few
urgent conversations with the words that matched, two confirmed protocols, and a few outreach
broadcasts (two sent, one awaiting approval, one draft)."""

from __future__ import annotations

import datetime
import random
from collections.abc import Mapping

import pgtrigger
from django.db.models import Model

from accounts.demo import COUNSELORS, SUPERVISOR
from core.demo import delete_rows, history_of, trigger_uris
from core.registry import DemoContext
from core.time import start_of_day
from line.models import Conversation, Message

from .models import (
    BATCH_MAX,
    Broadcast,
    BroadcastBatch,
    Protocol,
    ProtocolCall,
    RiskHit,
    SurveyResponse,
)

COORDINATOR = "coordinator1"
RESPONSES = 233
REASONS_ANSWERED = 228  # 5 skipped the reasons question
REASON_COUNTS = {  # of the 228
    "wanted_someone": 129,  # 56.6%
    "line_accessible": 122,  # 53.5%
    "anonymous": 88,
    "no_one_to_ask": 70,
    "hard_in_person": 64,
    "other": 12,
}
GLAD, NEUTRAL = 185, 38  # of 233: 79.4%; the other 10 not glad
YES, SOMEWHAT, NO = 120, 55, 58  # of 233: 75.1%
URGENT = [("suicidal", "死にたい"), ("violence", "殴られ"), ("no_home", "帰れない"),
          ("suicidal", "消えたい"), ("self_harm", "リスカ"), ("pregnancy", "生理が来ない"),
          ("minor", "高校生"), ("violence", "DV")]  # fmt: skip


def _demo_conversations():
    from line.demo import _demo_line_users

    return Conversation.objects.filter(line_user__in=_demo_line_users())


def seed(ctx: DemoContext) -> Mapping[str, int]:
    # No insert history for demo rows (core.demo.trigger_uris).
    with pgtrigger.ignore(*trigger_uris(*tables())):
        return _seed(ctx)


def _seed(ctx: DemoContext) -> Mapping[str, int]:
    users = ctx.shared["users"]
    rng = random.Random(f"{ctx.seed}:linecare")
    since = start_of_day(datetime.date(2022, 4, 1))
    until = start_of_day(datetime.date(2023, 4, 1))
    closed = list(
        _demo_conversations()
        .filter(status="resolved", consultation__isnull=False, closed_at__gte=since)
        .filter(closed_at__lt=until - datetime.timedelta(days=1))
        .order_by("closed_at", "pk")
    )
    chosen = sorted(rng.sample(closed, min(RESPONSES, len(closed))), key=lambda c: c.pk)
    n = len(chosen)
    reasons: list[list[str]] = [[] for _ in range(n)]
    for code, count in REASON_COUNTS.items():
        for i in rng.sample(range(min(REASONS_ANSWERED, n)), min(count, n)):
            reasons[i].append(code)
    for i in range(min(REASONS_ANSWERED, n)):
        if not reasons[i]:
            reasons[i].append("other")  # everyone who answered chose something
    satisfaction = ["glad"] * GLAD + ["neutral"] * NEUTRAL
    satisfaction += ["not_glad"] * (RESPONSES - len(satisfaction))
    felt = ["yes"] * YES + ["somewhat"] * SOMEWHAT + ["no"] * NO
    rng.shuffle(satisfaction)
    rng.shuffle(felt)
    surveys = []
    for i, c in enumerate(chosen):
        at = c.closed_at + datetime.timedelta(minutes=2)
        surveys.append(
            SurveyResponse(
                conversation=c,
                consultation_id=c.consultation_id,
                line_user_id=c.line_user_id,
                step=SurveyResponse.Step.DONE,
                reasons=reasons[i],
                reasons_answered=i < REASONS_ANSWERED,
                satisfaction=satisfaction[i],
                felt_positive=felt[i],
                sent_at=c.closed_at,
                answered_at=at,
                finished_at=at + datetime.timedelta(minutes=1),
            )
        )
    SurveyResponse.objects.bulk_create(surveys)
    # Urgent conversations: one incoming message each carries the words that matched.
    urgent = [c for c in closed if c not in set(chosen)][: len(URGENT)] or closed[: len(URGENT)]
    messages = {
        m.conversation_id: m
        for m in Message.objects.filter(conversation__in=urgent, direction="in").order_by("-pk")
    }
    hits = []
    for c, (category, word) in zip(urgent, URGENT, strict=False):
        Conversation.objects.filter(pk=c.pk).update(urgent=True, category=category)
        if c.pk in messages:
            m = messages[c.pk]
            hits.append(
                RiskHit(
                    conversation=c, message=m, categories=[category], words=[word], at=m.sent_at
                )
            )
    RiskHit.objects.bulk_create(hits)
    protocols = 0
    for c in [c for c, (cat, _w) in zip(urgent, URGENT, strict=False) if cat == "suicidal"][:2]:
        counselor = users[COUNSELORS[protocols % len(COUNSELORS)]]
        p = Protocol.objects.create(
            conversation=c, client_id=c.client_id, status=Protocol.Status.CONFIRMED,
            wish_to_die="yes", plan="yes" if protocols == 0 else "no", means="unknown",
            time_frame="yes" if protocols == 0 else "no", alone="yes", location="",
            opened_by_id=counselor, opened_at=c.opened_at + datetime.timedelta(minutes=10),
            confirmed_by_id=users[SUPERVISOR],
            confirmed_at=c.opened_at + datetime.timedelta(minutes=40),
        )  # fmt: skip
        ProtocolCall.objects.create(
            protocol=p, to="ambulance" if protocols == 0 else "police",
            called_at=c.opened_at + datetime.timedelta(minutes=15), called_by_id=counselor,
            consent=protocols == 0,
            reason_without_consent="" if protocols == 0 else "生命の危険が差し迫っていたため",
            recorded_by_id=counselor,
        )  # fmt: skip
        protocols += 1
    return {
        "survey responses": len(surveys),
        "urgent conversations": len(urgent),
        "imminent-risk protocols": protocols,
        "broadcasts": _broadcasts(users, ctx),
    }


# Outreach broadcasts of the demo year: (title, text, segment, image, status, days after 1 April).
BROADCASTS = [
    ("夏休み前のお知らせ", "7月の相談日は毎週水曜14時〜20時、日曜10時〜16時です。"
     "ひとりで悩まず、いつでもメッセージをお送りください。",
     "all", "img/broadcasts/consultation-hours.png", "sent", 95),
    ("ピアサポートのご案内（11月）", "11月にパステルアートを楽しみながらお話しする会を開きます。"
     "参加費は無料です。ご希望の方はこのトークでお知らせください。",
     "never_wrote", "img/broadcasts/peer-support.png", "sent", 210),
    ("年末年始の相談日", "年末年始も12月28日（水）と1月4日（水）に相談を受け付けます。",
     "all", "", "submitted", 255),
    ("生理用品の配布のお知らせ", "区役所などで生理用品を配布しています。"
     "詳しい場所はこちらからお尋ねください。",
     "all", "", "draft", 260),
]  # fmt: skip


def _broadcasts(users: Mapping[str, int], ctx: DemoContext) -> int:
    from line.demo import _demo_line_users

    from .selectors import LINE_USER_ID_SHAPE

    friends = list(
        _demo_line_users()
        .filter(is_friend=True, line_user_id__regex=LINE_USER_ID_SHAPE)
        .order_by("pk")
        .values_list("line_user_id", flat=True)
    )
    year = start_of_day(datetime.date(2022, 4, 1))
    made = 0
    for title, text, segment, image, status, day in BROADCASTS:
        at = year + datetime.timedelta(days=day, hours=10)
        sent = status == "sent" and bool(friends)
        b = Broadcast.objects.create(
            title=title, text=text, segment=segment, static_image=image,
            status=status if status != "sent" or sent else "draft",
            created_by_id=users[COORDINATOR],
            submitted_at=at if status != "draft" else None,
            approved_by_id=users[SUPERVISOR] if sent else None,
            approved_at=at + datetime.timedelta(hours=2) if sent else None,
            send_started_at=at + datetime.timedelta(hours=2) if sent else None,
            finished_at=at + datetime.timedelta(hours=2, minutes=1) if sent else None,
            recipients=len(friends) if sent else 0,
            sent_count=len(friends) if sent else 0,
        )  # fmt: skip
        Broadcast.objects.filter(pk=b.pk).update(created_at=at - datetime.timedelta(days=3))
        if sent:
            BroadcastBatch.objects.bulk_create(
                BroadcastBatch(
                    broadcast=b,
                    number=n,
                    to=friends[i : i + BATCH_MAX],
                    size=len(friends[i : i + BATCH_MAX]),
                    status="sent",
                    attempts=1,
                    answer_status=200,
                    sent_at=b.finished_at,
                )  # fmt: skip
                for n, i in enumerate(range(0, len(friends), BATCH_MAX), start=1)
            )
        made += 1
    return made


def _demo_broadcasts():
    from accounts.models import User

    return Broadcast.objects.filter(
        created_by__in=User.objects.filter(username=COORDINATOR),
        title__in=[b[0] for b in BROADCASTS],
    )


def present(ctx: DemoContext) -> Mapping[str, int]:
    return {
        "survey responses": SurveyResponse.objects.filter(
            conversation__in=_demo_conversations()
        ).count(),
        "broadcasts": _demo_broadcasts().count(),
    }


def delete(ctx: DemoContext) -> int:
    conversations = _demo_conversations()
    protocols = Protocol.objects.filter(conversation__in=conversations)
    surveys = SurveyResponse.objects.filter(conversation__in=conversations)
    broadcasts = _demo_broadcasts()
    with pgtrigger.ignore(*trigger_uris(*tables())):
        return delete_rows(
            BroadcastBatch.objects.filter(broadcast__in=broadcasts),
            history_of(Broadcast, broadcasts),
            broadcasts,
            ProtocolCall.objects.filter(protocol__in=protocols),
            history_of(Protocol, protocols),
            protocols,
            RiskHit.objects.filter(conversation__in=conversations),
            history_of(SurveyResponse, surveys),
            surveys,
        )


def tables() -> tuple[type[Model], ...]:
    return (SurveyResponse, RiskHit, Protocol, ProtocolCall, Broadcast, BroadcastBatch)
