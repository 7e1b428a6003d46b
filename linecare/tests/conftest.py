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


@pytest.fixture(autouse=True)
def _default_expressions(db):
    """The starting list the data migration loads. A transactional test (a browser journey)
    empties every table when it ends, so a later test in the same worker would find no list;
    each test starts from the programme's list."""
    import importlib

    from django.apps import apps as django_apps

    from linecare.models import RiskExpression

    if not RiskExpression.objects.exists():
        loader = importlib.import_module("linecare.migrations.0002_default_expressions")
        loader.load(django_apps, None)
