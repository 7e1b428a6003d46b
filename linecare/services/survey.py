"""The end-of-consultation survey (相談終了時アンケート) by quick reply.

Sent when a conversation is closed (the LINE app's `after_close` hook) unless the counselor
skipped it. Each answer is a quick-reply button whose postback data we signed:
`sv1:<survey id>:<step>:<code>:<HMAC>`. A postback is taken only when its signature is ours,
it is her survey, its step is the one the survey waits for and the survey is still valid;
anything else (forged, repeated, late, another woman's) is ignored without a trace of its
data. Reasons are asked by a repeated quick reply until she taps 「回答終了」.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import logging

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from line.models import Conversation, LineUser, Message, Postback
from line.services.outbound import message_queue

from ..models import REASONS, SurveyResponse

logger = logging.getLogger(__name__)

PREFIX = "sv1"
DONE = "done"
NONE = "none"

# What she reads on LINE, in the programme's own words (domain.md). A button's label is at
# most 20 characters on LINE; the full wording is the text her tap posts in the chat.
REASON_TEXT = {
    "wanted_someone": ("誰かに相談したかった", "とにかく誰かに相談したかった"),
    "line_accessible": ("LINEなら相談できそう", "LINEなら相談できるかもしれないと思った"),
    "anonymous": ("匿名で相談できる", "匿名で相談できると思った"),
    "no_one_to_ask": ("周りに相談できる人がいない", "周りに相談できる人がいない"),
    "hard_in_person": ("電話や対面は相談しにくい", "電話や対面では相談しにくい"),
    "other": ("その他", "その他"),
}
SATISFACTION_TEXT = {
    "glad": "相談して良かった",
    "neutral": "どちらともいえない",
    "not_glad": "相談しなければよかった",
}
FELT_TEXT = {"yes": "前向きな気持ちになれた", "somewhat": "少しなれた", "no": "なれなかった"}
QUESTION = {
    "reasons": "ご相談ありがとうございました。よろしければアンケートにお答えください。"
    "相談しようと思った理由を選んでください（いくつでも）。"
    "選び終えたら「回答終了」を押してください。",
    "reasons_more": "ほかにもあれば選んでください。選び終えたら「回答終了」を押してください。",
    "satisfaction": "相談してみていかがでしたか。",
    "felt_positive": "前向きな気持ちになれましたか。",
    "comment": "ご意見があれば、このままメッセージでお送りください。"
    "なければ「なし」を押してください。",
    "thanks": "アンケートへのご協力ありがとうございました。またいつでもご相談ください。",
}


def _key() -> bytes:
    if settings.LINE_SURVEY_SIGNING_KEY:
        return settings.LINE_SURVEY_SIGNING_KEY.encode()
    return hmac.new(settings.SECRET_KEY.encode(), b"linecare.survey", hashlib.sha256).digest()


def _signature(payload: str) -> str:
    digest = hmac.new(_key(), payload.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")[:27]


def postback_data(survey_id: int, step: str, code: str) -> str:
    payload = f"{PREFIX}:{survey_id}:{step}:{code}"
    return f"{payload}:{_signature(payload)}"


def parse(data: str) -> tuple[int, str, str] | None:
    """(survey id, step, code) of data we signed, else None."""
    parts = (data or "").split(":")
    if len(parts) != 5 or parts[0] != PREFIX or not parts[1].isdigit():
        return None
    if not hmac.compare_digest(_signature(":".join(parts[:4])), parts[4]):
        return None
    return int(parts[1]), parts[2], parts[3]


def _item(survey: SurveyResponse, step: str, code: str, label: str, text: str) -> dict:
    return {"label": label[:20], "data": postback_data(survey.pk, step, code), "text": text}


def _ask(survey: SurveyResponse, step: str) -> Message:
    if step == SurveyResponse.Step.REASONS:
        items = [
            _item(survey, step, code, *REASON_TEXT[code])
            for code in REASONS
            if code not in survey.reasons
        ]
        items.append(_item(survey, step, DONE, "回答終了", "回答終了"))
        text = QUESTION["reasons_more" if survey.reasons else "reasons"]
    elif step == SurveyResponse.Step.SATISFACTION:
        items = [_item(survey, step, c, t, t) for c, t in SATISFACTION_TEXT.items()]
        text = QUESTION["satisfaction"]
    elif step == SurveyResponse.Step.FELT_POSITIVE:
        items = [_item(survey, step, c, t, t) for c, t in FELT_TEXT.items()]
        text = QUESTION["felt_positive"]
    elif step == SurveyResponse.Step.COMMENT:
        items = [_item(survey, step, NONE, "なし", "なし")]
        text = QUESTION["comment"]
    else:
        return message_queue(conversation=survey.conversation, text=QUESTION["thanks"], by=None)
    return message_queue(conversation=survey.conversation, text=text, by=None, quick_reply=items)


def survey_send(
    *, conversation: Conversation, by: User | None, options: dict
) -> SurveyResponse | None:
    """The LINE app's `after_close` hook (inside the close's transaction): the first question,
    unless the counselor skipped it, she is no longer a friend, or it was a mistaken contact
    or she never answered. One survey per conversation (and so per consultation)."""
    if options.get("skip_survey"):
        return None
    if conversation.outcome in (Conversation.Outcome.NO_REPLY, Conversation.Outcome.MISTAKEN):
        return None
    line_user = LineUser.objects.get(pk=conversation.line_user_id)
    if not line_user.is_friend:
        return None
    try:
        with transaction.atomic():
            survey = SurveyResponse.objects.create(
                conversation=conversation,
                consultation_id=conversation.consultation_id,
                line_user=line_user,
                sent_at=timezone.now(),
            )
    except IntegrityError:
        return None  # already sent for this conversation or consultation
    _ask(survey, SurveyResponse.Step.REASONS)
    return survey


def _valid_until(survey: SurveyResponse) -> datetime.datetime:
    return survey.sent_at + datetime.timedelta(hours=settings.LINE_SURVEY_VALID_HOURS)


def survey_answer(postback: Postback) -> SurveyResponse | None:
    """The LINE app's `postback_received` hook: one answer, or nothing for a postback that is
    not a current answer of hers. Runs in the event's transaction (her LineUser locked)."""
    parsed = parse(postback.data)
    if parsed is None:
        if postback.data.startswith(f"{PREFIX}:"):
            logger.info("survey postback ignored: bad signature")
        return None
    survey_id, step, code = parsed
    # Two answers of hers processed at once: one after the other.
    survey = SurveyResponse.objects.select_for_update().filter(pk=survey_id).first()
    if (
        survey is None
        or survey.line_user_id != postback.line_user_id
        or survey.step != step
        or postback.occurred_at > _valid_until(survey)
        or postback.occurred_at < survey.sent_at
    ):
        logger.info("survey postback ignored: not a current answer")
        return None
    Step = SurveyResponse.Step
    changed = ["step"]
    if step == Step.REASONS and code in REASONS:
        if code in survey.reasons:
            return None  # a repeated tap
        survey.reasons = [*survey.reasons, code]
        changed.append("reasons")
        next_step = Step.REASONS if len(survey.reasons) < len(REASONS) else Step.SATISFACTION
        survey.reasons_answered = True
        changed.append("reasons_answered")
    elif step == Step.REASONS and code == DONE:
        next_step = Step.SATISFACTION
    elif step == Step.SATISFACTION and code in SATISFACTION_TEXT:
        survey.satisfaction = code
        changed.append("satisfaction")
        next_step = Step.FELT_POSITIVE
    elif step == Step.FELT_POSITIVE and code in FELT_TEXT:
        survey.felt_positive = code
        changed.append("felt_positive")
        next_step = Step.COMMENT
    elif step == Step.COMMENT and code == NONE:
        next_step = Step.DONE
    else:
        return None
    survey.step = next_step
    if survey.answered_at is None:
        survey.answered_at = postback.occurred_at
        changed.append("answered_at")
    if next_step == Step.DONE:
        survey.finished_at = postback.occurred_at
        changed.append("finished_at")
    survey.save(update_fields=changed)
    _ask(survey, next_step)
    return survey


def survey_comment(*, message: Message, conversation: Conversation, fresh: bool) -> None:
    """The LINE app's `message_received` hook: a text while her survey waits for a comment is
    the comment (it stays in the new conversation too, for the counselors)."""
    if message.kind != Message.Kind.TEXT or not message.text:
        return
    survey = (
        SurveyResponse.objects.select_for_update()
        .filter(line_user_id=conversation.line_user_id, step=SurveyResponse.Step.COMMENT)
        .order_by("-sent_at")
        .first()
    )
    if survey is None or message.sent_at > _valid_until(survey):
        return
    survey.comment = message.text[:1000]
    survey.step = SurveyResponse.Step.DONE
    survey.finished_at = message.sent_at
    survey.save(update_fields=["comment", "step", "finished_at"])
    _ask(survey, SurveyResponse.Step.DONE)


def survey_comment_consume(
    *, line_user: LineUser, kind: str, text: str, at: datetime.datetime
) -> Conversation | None:
    """The LINE app's `message_consumers` hook: with no conversation of hers open, a text
    while her survey waits for a comment is the comment. It is kept with the closed
    conversation the survey belongs to and opens no new one in the queue.

    Words of the triage list are never swallowed: such a message opens a conversation as
    usual (where `survey_comment` still records it), so a counselor reads it.
    """
    from .. import selectors, triage

    if kind != Message.Kind.TEXT or not text.strip():
        return None
    # Two messages of hers processed at once: one after the other (her LineUser is locked too).
    survey = (
        SurveyResponse.objects.select_for_update()
        .filter(line_user=line_user, step=SurveyResponse.Step.COMMENT)
        .order_by("-sent_at")
        .first()
    )
    if survey is None or at > _valid_until(survey) or at < survey.sent_at:
        return None
    if triage.match(text, selectors.active_expressions()).categories:
        return None
    survey.comment = text[:1000]
    survey.step = SurveyResponse.Step.DONE
    survey.finished_at = at
    survey.save(update_fields=["comment", "step", "finished_at"])
    _ask(survey, SurveyResponse.Step.DONE)
    return survey.conversation
