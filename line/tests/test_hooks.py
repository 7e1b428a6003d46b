"""The LINE app's own extension points (line/hooks.py) are called where they say: after her
message is stored, after a postback is stored, before a close (a guard refuses it, nothing
changes) and after it."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from line import hooks
from line.models import Conversation
from line.services.conversations import conversation_claim, conversation_close
from line.services.events import events_sweep

from .conftest import base, text_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def seen(monkeypatch):
    calls: list[tuple] = []

    def message(**kw):
        calls.append(("message", kw["message"].text, kw["fresh"]))

    def postback(row):
        calls.append(("postback", row.data))

    def closed(**kw):
        calls.append(("closed", kw["options"]))

    for name, registration in (
        ("message_received", hooks.MessageHook("t", message)),
        ("postback_received", hooks.PostbackHook("t", postback)),
        ("after_close", hooks.AfterClose("t", closed)),
    ):
        registry = hooks.Registry(name)
        registry.register(registration)
        monkeypatch.setattr(hooks, name, registry)
    return calls


def test_the_hooks_see_her_message_her_postback_and_the_close(
    post_webhook, seen, counselor, monkeypatch
):
    now = timezone.now()
    post_webhook([text_event("こんにちは", at=now - datetime.timedelta(minutes=1))])
    post_webhook([base("postback", at=now, postback={"data": "answer=1"})])
    events_sweep()
    assert ("message", "こんにちは", True) in seen and ("postback", "answer=1") in seen
    conversation = Conversation.objects.get()
    conversation_claim(conversation=conversation, by=counselor)

    guards = hooks.Registry("close_guards")
    guards.register(hooks.CloseGuard("t", lambda c: "手順が終わっていません"))
    monkeypatch.setattr(hooks, "close_guards", guards)
    with pytest.raises(ValidationError, match="手順が終わっていません"):
        conversation_close(conversation=conversation, outcome="resolved", by=counselor)
    conversation.refresh_from_db()
    assert conversation.status != Conversation.Status.RESOLVED and ("closed", {}) not in seen

    monkeypatch.setattr(hooks, "close_guards", hooks.Registry("close_guards"))
    conversation_close(
        conversation=conversation, outcome="resolved", by=counselor, options={"skip_survey": True}
    )
    assert ("closed", {"skip_survey": True}) in seen
