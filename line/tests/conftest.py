from __future__ import annotations

import datetime
import itertools
import json
import urllib.request

import pytest

from line.webhook import sign

from .fake_line import FakeLine

SECRET = "test-channel-secret"
TOKEN = "test-access-token"
USER = "U" + "a" * 32

_ids = itertools.count(1)


def event_id() -> str:
    return f"01TEST{next(_ids):020d}"


def ms(at: datetime.datetime) -> int:
    return int(at.timestamp() * 1000)


def base(
    kind: str,
    *,
    at: datetime.datetime,
    user: str = USER,
    redelivery: bool = False,
    source: dict | None = None,
    **extra,
) -> dict:
    event = {
        "type": kind,
        "mode": "active",
        "timestamp": ms(at),
        "source": source or {"type": "user", "userId": user},
        "webhookEventId": event_id(),
        "deliveryContext": {"isRedelivery": redelivery},
    }
    event.update(extra)
    return event


def text_event(
    text: str,
    *,
    at: datetime.datetime,
    user: str = USER,
    message_id: str | None = None,
    reply_token: str = "",
    redelivery: bool = False,
) -> dict:
    extra = {
        "message": {
            "id": message_id or str(next(_ids) + 10**12),
            "type": "text",
            "text": text,
            "quoteToken": "q",
        }
    }
    if reply_token:
        extra["replyToken"] = reply_token
    return base("message", at=at, user=user, redelivery=redelivery, **extra)


def follow_event(*, at: datetime.datetime, user: str = USER, unblocked: bool = False) -> dict:
    return base("follow", at=at, user=user, replyToken="r" * 32, follow={"isUnblocked": unblocked})


def unfollow_event(*, at: datetime.datetime, user: str = USER) -> dict:
    return base("unfollow", at=at, user=user)


def post_signed(base_url: str, events: list[dict]) -> int:
    """POST these events to a running server's webhook, signed as LINE signs them."""
    body = body_of(events)
    request = urllib.request.Request(
        base_url + "/line/webhook/",
        data=body,
        headers={"Content-Type": "application/json", "X-Line-Signature": sign(body, SECRET)},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status


def body_of(events: list[dict]) -> bytes:
    return json.dumps({"destination": "Ubot", "events": events}, ensure_ascii=False).encode()


@pytest.fixture(autouse=True)
def _broker_not_known_down(monkeypatch):
    from line.services import events

    monkeypatch.setattr(events, "_broker_down_until", 0.0)


@pytest.fixture
def line_settings(settings):
    settings.LINE_CHANNEL_SECRET = SECRET
    settings.LINE_CHANNEL_ACCESS_TOKEN = TOKEN
    return settings


@pytest.fixture
def fake_line(line_settings):
    with FakeLine(TOKEN) as fake:
        line_settings.LINE_API_BASE_URL = fake.url
        line_settings.LINE_API_DATA_BASE_URL = fake.url
        yield fake


@pytest.fixture
def post_webhook(client, line_settings):
    """Post events (or a raw body) to the webhook, signed as LINE signs it."""

    def post(events=None, *, body: bytes | None = None, signature: str | None = None):
        data = body if body is not None else body_of(events or [])
        headers = {}
        sig = sign(data, SECRET) if signature is None else signature
        if sig:
            headers["HTTP_X_LINE_SIGNATURE"] = sig
        return client.post("/line/webhook/", data=data, content_type="application/json", **headers)

    return post
