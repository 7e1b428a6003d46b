from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from line.models import Conversation
from line.services.events import events_sweep
from line.tests.conftest import (  # noqa: F401 (the LINE app's fixtures, shared)
    USER,
    _broker_not_known_down,
    base,
    fake_line,
    follow_event,
    line_settings,
    post_webhook,
    text_event,
)


@pytest.fixture
def her_message(post_webhook):  # noqa: F811 (the fixture imported above)
    """Post her text (a friend) through the webhook and process it; returns her conversation."""

    def send(text: str, *, user: str = USER, at: datetime.datetime | None = None) -> Conversation:
        at = at or timezone.now() - datetime.timedelta(seconds=5)
        post_webhook(
            [
                follow_event(at=at - datetime.timedelta(minutes=1), user=user),
                text_event(text, at=at, user=user),
            ]
        )
        events_sweep()
        return Conversation.objects.exclude(status="resolved").get(line_user__line_user_id=user)

    return send
