"""Sending to her through the SDK against a fake LINE on loopback: push with a retry key, the
same key on every retry (never delivered twice), backoff on 429/5xx, a visible failure."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from line.models import Conversation, Message
from line.services import outbound
from line.services.conversations import conversation_claim
from line.services.events import events_sweep

from .conftest import TOKEN, USER, text_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def conversation(post_webhook, fake_line):
    # Her first message comes in the middle of the night (outside hours) long ago: no reply.
    post_webhook([text_event("相談したいです", at=timezone.now() - datetime.timedelta(days=1))])
    events_sweep()
    return Conversation.objects.get()


def _queue(conversation, text="お話を聞かせてください") -> Message:
    return outbound.message_queue(conversation=conversation, text=text, by=None)


def _send_until_done(message: Message, *, limit: int = 10) -> list[str]:
    """Attempt after attempt, each when it is due (the backoff is simulated by the clock)."""
    statuses = []
    for _ in range(limit):
        message.refresh_from_db()
        if message.status != Message.Status.SENDING:
            break
        statuses.append(outbound.message_send(message_id=message.pk, now=message.next_attempt_at))
    message.refresh_from_db()
    return statuses


def test_a_push_reaches_line_with_token_retry_key_and_body(conversation, fake_line):
    message = _queue(conversation)
    assert message.status == Message.Status.SENDING and message.retry_key
    assert outbound.message_send(message_id=message.pk) == Message.Status.SENT
    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    (push,) = fake_line.state.pushes
    assert push["to"] == USER
    assert push["messages"] == [{"type": "text", "text": "お話を聞かせてください"}]
    assert push["key"] == str(message.retry_key)
    # Sending it again does nothing: it is sent.
    assert outbound.message_send(message_id=message.pk) is None
    assert len(fake_line.state.pushes) == 1


def test_a_wrong_token_fails_visibly_without_retrying(conversation, fake_line, settings):
    settings.LINE_CHANNEL_ACCESS_TOKEN = "not-" + TOKEN
    message = _queue(conversation)
    assert _send_until_done(message) == [Message.Status.FAILED]
    assert message.failure_reason == "refused:HTTP 401"
    assert "401" in message.failure_label
    assert not fake_line.state.pushes


def test_429_backs_off_and_retries_with_the_same_retry_key(conversation, fake_line):
    fake_line.state.answer_next(429, times=2)
    message = _queue(conversation)
    first_due = message.next_attempt_at
    statuses = _send_until_done(message)
    assert statuses == [Message.Status.SENDING, Message.Status.SENDING, Message.Status.SENT]
    assert message.status == Message.Status.SENT
    keys = [key for method, path, key in fake_line.state.requests if path.endswith("/push")]
    assert keys == [str(message.retry_key)] * 3
    assert len(fake_line.state.pushes) == 1
    assert message.attempts == 3
    assert first_due is not None


def test_backoff_grows_and_is_bounded():
    assert [outbound.backoff(n) for n in (1, 2, 3)] == [2.0, 4.0, 8.0]
    assert outbound.backoff(30) == outbound.BACKOFF_MAX


def test_a_retry_due_later_is_not_sent_early(conversation, fake_line):
    fake_line.state.answer_next(500)
    message = _queue(conversation)
    assert outbound.message_send(message_id=message.pk) == Message.Status.SENDING
    message.refresh_from_db()
    assert message.next_attempt_at > timezone.now()
    assert outbound.message_send(message_id=message.pk) is None  # not due yet
    assert outbound.message_send(message_id=message.pk, now=message.next_attempt_at) == "sent"


def test_500s_give_up_after_the_bound_and_say_why(conversation, fake_line):
    fake_line.state.answer_next(500, times=outbound.SEND_MAX_ATTEMPTS)
    message = _queue(conversation)
    statuses = _send_until_done(message)
    assert len(statuses) == outbound.SEND_MAX_ATTEMPTS
    assert message.status == Message.Status.FAILED
    assert message.failure_reason == "gave_up:HTTP 500"
    assert not fake_line.state.pushes


def test_a_slow_line_that_took_the_push_is_not_delivered_twice(
    conversation, fake_line, monkeypatch
):
    # LINE accepts the push but answers after our timeout: we retry with the same key and
    # LINE answers 409, which means delivered.
    monkeypatch.setattr("line.api.TIMEOUT", (1, 0.5))
    fake_line.state.answer_next(0, delay=1.5)
    message = _queue(conversation)
    statuses = _send_until_done(message)
    assert statuses == [Message.Status.SENDING, Message.Status.SENT]
    assert len(fake_line.state.pushes) == 1
    assert message.status == Message.Status.SENT


def test_a_failed_message_retried_by_the_counselor_keeps_its_key(
    conversation, fake_line, counselor
):
    fake_line.state.answer_next(500, times=outbound.SEND_MAX_ATTEMPTS)
    message = _queue(conversation)
    _send_until_done(message)
    assert message.status == Message.Status.FAILED
    key = message.retry_key
    # Only the counselor holding the conversation (or a supervisor) sends it again.
    conversation_claim(conversation=conversation, by=counselor)
    outbound.message_retry(message=message, by=counselor)
    assert _send_until_done(message) == [Message.Status.SENT]
    assert message.retry_key == key
    assert fake_line.state.pushes[0]["key"] == str(key)


def test_the_sweep_sends_what_is_due(conversation, fake_line):
    messages = [_queue(conversation, text=f"{i}") for i in range(3)]
    assert outbound.messages_send_due() == 3
    assert {m.status for m in Message.objects.filter(pk__in=[m.pk for m in messages])} == {"sent"}
    assert len(fake_line.state.pushes) == 3


def test_without_an_access_token_the_message_fails_with_the_reason(conversation, settings):
    settings.LINE_CHANNEL_ACCESS_TOKEN = ""
    message = _queue(conversation)
    assert outbound.message_send(message_id=message.pk) == Message.Status.FAILED
    message.refresh_from_db()
    assert message.failure_reason == "not_configured"


def test_a_counselor_replies_only_in_her_conversation(
    conversation, fake_line, counselor, colleague
):
    from django.core.exceptions import PermissionDenied

    from line.services.conversations import conversation_claim

    conversation_claim(conversation=conversation, by=counselor)
    with pytest.raises(PermissionDenied):
        outbound.message_compose(conversation=conversation, text="こんにちは", by=colleague)
    message = outbound.message_compose(conversation=conversation, text="こんにちは", by=counselor)
    assert message.sent_by == counselor
    assert outbound.message_send(message_id=message.pk) == Message.Status.SENT


def test_media_is_fetched_from_the_content_api(post_webhook, fake_line):
    from line.services.media import media_fetch_pending

    from .conftest import base

    fake_line.state.content["900"] = ("image/jpeg", b"\xff\xd8fakejpeg")
    post_webhook(
        [
            base(
                "message",
                at=timezone.now() - datetime.timedelta(days=1),
                message={"id": "900", "type": "image", "contentProvider": {"type": "line"}},
            ),
            base(
                "message",
                at=timezone.now() - datetime.timedelta(days=1),
                message={"id": "901", "type": "file", "fileName": "x.pdf", "fileSize": 3},
            ),
        ]
    )
    events_sweep()
    assert media_fetch_pending() == 2
    image = Message.objects.get(line_message_id="900")
    assert image.media == Message.Media.STORED
    assert bytes(image.content.data) == b"\xff\xd8fakejpeg"
    assert image.content.content_type == "image/jpeg"
    missing = Message.objects.get(line_message_id="901")
    assert missing.media == Message.Media.FAILED  # 404: LINE no longer has it
