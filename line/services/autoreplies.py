"""Automatic replies (自動応答): outside the opening windows, on a new conversation, and when
every counselor on shift is at her cap. Their texts are kept by coordinators.

A reply is an outgoing Message row queued here, in the transaction that recorded her message;
the LINE API is called by a task after commit, so a failing API never holds up the events.
"""

from __future__ import annotations

import datetime
import math

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from core import authz
from core.time import TOKYO, local_date
from openings.models import Channel, Opening
from openings.selectors import next_opening

from ..models import TEXT_MAX, AutoReplySent, AutoReplyText, Conversation, Message
from . import outbound

# The defaults a coordinator starts from (she writes to women in Japanese, whatever the
# staff's language). {next_opening}, {emergency} and {wait_minutes} are filled in.
DEFAULT_TEXTS = {
    AutoReplyText.Key.OUTSIDE_HOURS: (
        "メッセージありがとうございます。大阪市つながりサポートLINE相談です。\n"
        "ただいま受付時間外です。次の受付は {next_opening} からです。\n"
        "急いで助けが必要なときは、こちらにご連絡ください。\n{emergency}"
    ),
    AutoReplyText.Key.GREETING: (
        "大阪市つながりサポートLINE相談です。メッセージありがとうございます。\n"
        "相談員がお返事しますので、少しお待ちください。"
    ),
    AutoReplyText.Key.QUEUE: (
        "ただいま相談が混み合っています。順番にお返事しますので、このままお待ちください。\n"
        "お待ちいただく時間は、およそ{wait_minutes}分です。"
    ),
    AutoReplyText.Key.EMERGENCY: (
        "DV相談ナビ #8008\n"
        "DV相談＋ 0120-279-889\n"
        "性犯罪・性暴力被害者ワンストップ支援センター #8891\n"
        "よりそいホットライン 0120-279-338\n"
        "警察 110\n"
        "救急 119"
    ),
}

# For the queue message's rough wait: how long a counselor spends on one conversation.
MINUTES_PER_CONVERSATION = 20

WEEKDAYS = "月火水木金土日"


def texts() -> dict[str, str]:
    """Every reply's text: the coordinators' version, else the default (one query)."""
    stored = dict(AutoReplyText.objects.values_list("key", "text"))
    return {key: stored.get(key, default) for key, default in DEFAULT_TEXTS.items()}


def _when(opening: Opening | None) -> str:
    if opening is None:
        return "（未定）"
    start = opening.starts_at.astimezone(TOKYO)
    end = opening.ends_at.astimezone(TOKYO)
    return f"{start.month}月{start.day}日（{WEEKDAYS[start.weekday()]}）{start:%H:%M}〜{end:%H:%M}"


def _once_today(message: Message, kind: str) -> bool:
    """True the first time today (Tokyo) she gets this kind of reply; the unique row decides
    between two of her messages processed at once."""
    _, created = AutoReplySent.objects.get_or_create(
        line_user_id=message.conversation.line_user_id, kind=kind, day=local_date(message.sent_at)
    )
    return created


def replies_for(
    *,
    message: Message,
    conversation: Conversation,
    started: bool,
    window: Opening | None,
    reply_token: str,
    now: datetime.datetime,
) -> list[Message]:
    from .conversations import everyone_at_cap, open_counts

    wording = texts()
    queued: list[Message] = []
    token = reply_token  # one reply token: the first reply uses it, the others are pushed

    def queue(kind: str, text: str) -> None:
        nonlocal token
        queued.append(
            outbound.message_queue(
                conversation=conversation,
                text=text[:TEXT_MAX],
                by=None,
                auto_reply=kind,
                reply_token=token,
                reply_token_at=message.sent_at,
            )
        )
        token = ""

    if window is None:
        if _once_today(message, Message.AutoReply.OUTSIDE_HOURS):
            text = wording[AutoReplyText.Key.OUTSIDE_HOURS].format_map(
                _Fill(
                    next_opening=_when(next_opening(Channel.LINE, after=message.sent_at)),
                    emergency=wording[AutoReplyText.Key.EMERGENCY],
                )
            )
            queue(Message.AutoReply.OUTSIDE_HOURS, text)
        return queued
    if started:
        queue(Message.AutoReply.GREETING, wording[AutoReplyText.Key.GREETING])
        if everyone_at_cap():
            on_shift = len(open_counts())
            ahead = Conversation.objects.filter(
                status=Conversation.Status.WAITING, opened_at__lt=conversation.opened_at
            ).count()
            minutes = max(
                MINUTES_PER_CONVERSATION,
                math.ceil((ahead + 1) / max(on_shift, 1)) * MINUTES_PER_CONVERSATION,
            )
            text = wording[AutoReplyText.Key.QUEUE].format_map(_Fill(wait_minutes=minutes))
            queue(Message.AutoReply.QUEUE, text)
    return queued


class _Fill(dict):
    """format_map that leaves an unknown {name} a coordinator typed as it is."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


@transaction.atomic
def autoreply_text_update(*, key: str, text: str, by: User) -> AutoReplyText:
    """A coordinator (or supervisor) rewrites one reply."""
    if not (authz.is_coordinator(by) or authz.is_supervisor(by)):
        raise PermissionDenied(_("Only coordinators and supervisors edit the automatic replies."))
    if key not in AutoReplyText.Key.values:
        raise ValidationError({"key": _("Unknown reply.")}, code="unknown")
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Enter the text of the reply.")}, code="required")
    if len(text) > TEXT_MAX:
        raise ValidationError(
            {"text": _("LINE takes at most %(n)s characters.") % {"n": TEXT_MAX}}, code="length"
        )
    row, _created = AutoReplyText.objects.select_for_update().get_or_create(
        key=key, defaults={"text": text, "updated_by": by}
    )
    row.text = text
    row.updated_by = by
    row.save(update_fields=["text", "updated_by", "updated_at"])
    return row
