"""Processing her events: the pseudonymous client, conversations, edits, and the automatic
replies (outside hours once a day, greeting, queue), only to fresh events, reply token or push;
a failing LINE API never holds up the other events."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases.models import Client
from cases.tests.factories import ClientFactory
from core.time import local_date
from line.models import AutoReplyText, Conversation, ConversationEvent, LineUser, Message
from line.services import outbound
from line.services.autoreplies import autoreply_text_update
from line.services.conversations import conversation_claim, conversation_close
from line.services.events import events_sweep
from openings.models import Channel, OpeningRule

from .conftest import USER, base, text_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def open_now(db):
    """A LINE window all of today (Tokyo)."""
    today = local_date(timezone.now())
    return OpeningRule.objects.create(
        channel=Channel.LINE,
        weekday=today.weekday(),
        start_time=datetime.time(0, 0),
        end_time=datetime.time(23, 59, 59),
        valid_from=today - datetime.timedelta(days=7),
    )


@pytest.fixture
def closed_now(db):
    """A LINE window tomorrow only (so now is outside every window)."""
    tomorrow = local_date(timezone.now()) + datetime.timedelta(days=1)
    return OpeningRule.objects.create(
        channel=Channel.LINE,
        weekday=tomorrow.weekday(),
        start_time=datetime.time(14, 0),
        end_time=datetime.time(20, 0),
        valid_from=tomorrow - datetime.timedelta(days=7),
    )


def _out(kind=None):
    qs = Message.objects.filter(direction="out")
    return qs.filter(auto_reply=kind) if kind else qs


def test_her_first_message_makes_a_pseudonymous_client_and_a_waiting_conversation(
    post_webhook, open_now
):
    post_webhook([text_event("はじめまして", at=timezone.now())])
    events_sweep()
    user = LineUser.objects.get()
    client = user.client
    assert client.line_user_id == USER
    assert client.nickname == str(user) and "はじめまして" not in client.nickname
    assert client.created_by is None
    conversation = Conversation.objects.get()
    assert conversation.status == Conversation.Status.WAITING
    assert conversation.client == client
    assert conversation.events.get().kind == ConversationEvent.Kind.STARTED
    (message,) = conversation.messages.filter(direction="in")
    assert message.text == "はじめまして" and message.outside_hours is False


def test_a_client_already_registered_with_her_line_id_is_linked(post_webhook, open_now):
    existing = ClientFactory(line_user_id=USER)
    post_webhook([text_event("また来ました", at=timezone.now())])
    events_sweep()
    assert LineUser.objects.get().client == existing
    assert Client.objects.count() == 1


def test_an_edit_keeps_both_versions_even_out_of_order(post_webhook, open_now):
    at = timezone.now().replace(microsecond=0) - datetime.timedelta(minutes=10)
    post_webhook([text_event("最初", at=at, message_id="42")])
    edit = {"id": "42", "type": "text", "text": "二回目"}
    later = {"id": "42", "type": "text", "text": "三回目"}
    post_webhook(
        [
            base("messageEdited", at=at + datetime.timedelta(minutes=2), message=later),
            base("messageEdited", at=at + datetime.timedelta(minutes=1), message=edit),
        ]
    )
    events_sweep()
    message = Message.objects.get(line_message_id="42")
    assert message.text == "三回目"
    assert sorted(message.revisions.values_list("text", flat=True)) == ["二回目", "最初"]


def test_outside_hours_one_reply_a_day_with_the_next_opening_and_emergency_contacts(
    post_webhook, closed_now, fake_line
):
    now = timezone.now()
    post_webhook([text_event("夜分にすみません", at=now, reply_token="tok1")])
    post_webhook([text_event("もう一度", at=now + datetime.timedelta(seconds=1))])
    events_sweep()
    (reply,) = _out(Message.AutoReply.OUTSIDE_HOURS)
    assert "#8008" in reply.text and "0120-279-338" in reply.text and "110" in reply.text
    assert "14:00" in reply.text  # tomorrow's opening
    assert reply.reply_token == "tok1"
    assert Message.objects.filter(direction="in", outside_hours=True).count() == 2
    # The reply token is still valid: it is used (no push).
    fake_line.state.reply_tokens.add("tok1")
    assert outbound.message_send(message_id=reply.pk) == Message.Status.SENT
    assert fake_line.state.replies and not fake_line.state.pushes


def test_an_expired_reply_token_falls_back_to_a_push(post_webhook, closed_now, fake_line):
    post_webhook([text_event("こんばんは", at=timezone.now(), reply_token="tok2")])
    events_sweep()
    (reply,) = _out()
    later = timezone.now() + outbound.REPLY_TOKEN_VALID + datetime.timedelta(seconds=1)
    assert outbound.message_send(message_id=reply.pk, now=later) == Message.Status.SENT
    assert fake_line.state.pushes and not fake_line.state.replies


def test_a_refused_reply_token_falls_back_to_a_push_at_once(post_webhook, closed_now, fake_line):
    post_webhook([text_event("こんばんは", at=timezone.now(), reply_token="used-token")])
    events_sweep()
    (reply,) = _out()
    # LINE does not know the token (already used): 400, then a push with the retry key.
    assert outbound.message_send(message_id=reply.pk) == Message.Status.SENDING
    assert outbound.message_send(message_id=reply.pk) == Message.Status.SENT
    assert fake_line.state.pushes[0]["key"] == str(reply.retry_key)


def test_redeliveries_and_backlog_get_no_automatic_reply(post_webhook, closed_now):
    post_webhook([text_event("遅れて", at=timezone.now(), redelivery=True)])
    post_webhook(
        [text_event("古い", at=timezone.now() - datetime.timedelta(hours=1), user="U" + "b" * 32)]
    )
    events_sweep()
    assert not _out().exists()


def test_a_new_conversation_in_the_window_gets_the_greeting_once(post_webhook, open_now):
    now = timezone.now()
    post_webhook([text_event("相談です", at=now)])
    post_webhook([text_event("続きです", at=now + datetime.timedelta(seconds=2))])
    events_sweep()
    assert _out(Message.AutoReply.GREETING).count() == 1
    assert not _out(Message.AutoReply.QUEUE).exists()


def test_when_every_counselor_on_shift_is_at_her_cap_she_is_told_she_is_in_the_queue(
    post_webhook, open_now, counselor, settings
):
    settings.LINE_COUNSELOR_CAP = 1
    now = timezone.now()
    post_webhook([text_event("一人目", at=now, user="U" + "1" * 32)])
    events_sweep()
    conversation_claim(conversation=Conversation.objects.get(), by=counselor)
    post_webhook([text_event("二人目", at=now + datetime.timedelta(seconds=1))])
    events_sweep()
    (queue,) = _out(Message.AutoReply.QUEUE)
    assert "20分" in queue.text


def test_coordinators_edit_the_texts(post_webhook, open_now, coordinator, counselor):
    autoreply_text_update(key=AutoReplyText.Key.GREETING, text="ようこそ", by=coordinator)
    with pytest.raises(Exception):  # noqa: B017,PT011 (PermissionDenied)
        autoreply_text_update(key=AutoReplyText.Key.GREETING, text="x", by=counselor)
    with pytest.raises(ValidationError):
        autoreply_text_update(key=AutoReplyText.Key.GREETING, text="  ", by=coordinator)
    post_webhook([text_event("こんにちは", at=timezone.now())])
    events_sweep()
    assert _out(Message.AutoReply.GREETING).get().text == "ようこそ"


def test_a_failing_line_api_does_not_hold_up_other_events(post_webhook, closed_now, fake_line):
    fake_line.state.answer_next(500, times=50)
    now = timezone.now()
    users = [f"U{i:032x}" for i in range(5)]
    post_webhook([text_event("夜です", at=now, user=u) for u in users])
    assert events_sweep() == 5  # processing never calls LINE
    assert Message.objects.filter(direction="in").count() == 5
    assert outbound.messages_send_due() == 5  # each tried once, none blocks the next
    assert set(_out().values_list("status", flat=True)) == {Message.Status.SENDING}


def test_claim_respects_the_cap_and_close_records_the_consultation(
    post_webhook, open_now, counselor, colleague, settings
):
    settings.LINE_COUNSELOR_CAP = 1
    now = timezone.now()
    post_webhook([text_event("A", at=now, user="U" + "1" * 32)])
    post_webhook([text_event("B", at=now, user="U" + "2" * 32)])
    events_sweep()
    first, second = Conversation.objects.order_by("pk")
    conversation_claim(conversation=first, by=counselor)
    with pytest.raises(ValidationError):
        conversation_claim(conversation=first, by=colleague)  # taken
    with pytest.raises(ValidationError):
        conversation_claim(conversation=second, by=counselor)  # at her cap
    closed = conversation_close(
        conversation=first, outcome="resolved", by=counselor, main_concern="relationships"
    )
    assert closed.status == "resolved" and closed.closed_at
    assert closed.consultation.kind == "line"
    assert closed.consultation.started_at == first.opened_at
    assert list(closed.consultation.counselors.all()) == [counselor]
    conversation_claim(conversation=second, by=counselor)  # room again
    # Her next message starts a new conversation.
    post_webhook([text_event("また", at=now + datetime.timedelta(minutes=1), user="U" + "1" * 32)])
    events_sweep()
    assert Conversation.objects.filter(line_user=first.line_user).count() == 2


def test_an_unsend_that_comes_before_its_message_keeps_no_words(post_webhook, open_now):
    at = timezone.now() - datetime.timedelta(minutes=30)
    post_webhook(
        [base("unsend", at=at + datetime.timedelta(seconds=5), unsend={"messageId": "77"})]
    )
    events_sweep()
    post_webhook([text_event("取り消したい", at=at, message_id="77", redelivery=True)])
    events_sweep()
    message = Message.objects.get(line_message_id="77")
    assert message.text == "" and message.retracted_at is not None
