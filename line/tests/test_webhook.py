"""POST /line/webhook/: every case of the contract with LINE, with bodies signed as LINE signs
them (Base64 HMAC-SHA256 of the raw body with the channel secret)."""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import json
import threading
import time

import pytest
from django.db import connection
from django.utils import timezone

from audit.models import SecurityEvent
from line.models import Conversation, LineUser, Message, Postback, WebhookEvent
from line.services.events import events_sweep

from .conftest import SECRET, USER, base, body_of, follow_event, text_event, unfollow_event

pytestmark = pytest.mark.django_db


def test_the_signature_is_linebot_sdks(line_settings):
    """Our signature is the one the SDK's own validator accepts."""
    from linebot.v3.webhook import SignatureValidator

    from line.webhook import sign

    body = body_of([text_event("こんにちは", at=timezone.now())])
    assert SignatureValidator(SECRET).validate(body.decode(), sign(body, SECRET))
    expected = base64.b64encode(hmac.new(SECRET.encode(), body, hashlib.sha256).digest()).decode()
    assert sign(body, SECRET) == expected


def test_a_missing_signature_is_401_stores_nothing_and_records_a_security_event(post_webhook):
    response = post_webhook([text_event("ひみつ", at=timezone.now())], signature="")
    assert response.status_code == 401
    assert not WebhookEvent.objects.exists()
    (event,) = SecurityEvent.objects.all()
    assert event.kind == SecurityEvent.Kind.WEBHOOK_REJECTED
    assert "ひみつ" not in event.detail


def test_a_wrong_signature_is_403_and_the_body_is_not_in_the_security_event(post_webhook):
    body = body_of([text_event("ひみつの話", at=timezone.now())])
    wrong = base64.b64encode(hmac.new(b"other", body, hashlib.sha256).digest()).decode()
    response = post_webhook(body=body, signature=wrong)
    assert response.status_code == 403
    assert not WebhookEvent.objects.exists()
    (event,) = SecurityEvent.objects.all()
    assert "ひみつ" not in event.detail and "events" not in event.detail


def test_without_a_channel_secret_nothing_is_accepted(post_webhook, settings):
    settings.LINE_CHANNEL_SECRET = ""
    body = body_of([])
    from line.webhook import sign

    assert post_webhook(body=body, signature=sign(body, "")).status_code == 403


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"\xff\xfe",
        b"[]",
        b'{"events": {}}',
        b'{"destination": "U1"}',
        b'{"events": ["x"]}',
        b'{"events": [{"type": "message", "timestamp": 1}]}',  # no webhookEventId
        b'{"events": [{"type": "follow", "webhookEventId": "A", "timestamp": "1"}]}',
        b'{"events": [{"webhookEventId": "A", "timestamp": 1}]}',  # no type
    ],
)
def test_a_malformed_body_with_a_valid_signature_is_400_and_stores_nothing(post_webhook, body):
    assert post_webhook(body=body).status_code == 400
    assert not WebhookEvent.objects.exists()


def test_a_body_over_one_mebibyte_is_413(post_webhook):
    big = body_of([text_event("あ" * 400_000, at=timezone.now())])
    assert len(big) > 1024 * 1024
    assert post_webhook(body=big).status_code == 413
    assert not WebhookEvent.objects.exists()


def test_the_verify_button_gets_200(post_webhook):
    response = post_webhook(body=b'{"destination":"Ubot","events":[]}')
    assert response.status_code == 200
    assert not WebhookEvent.objects.exists()


def test_only_post(client):
    assert client.get("/line/webhook/").status_code == 405


def test_each_event_is_stored_first_with_its_raw_json_and_delivery_context(post_webhook):
    at = timezone.now().replace(microsecond=0)
    events = [follow_event(at=at), text_event("はじめまして", at=at, redelivery=True)]
    started = time.monotonic()
    response = post_webhook(events)
    assert time.monotonic() - started < 2
    assert response.status_code == 200
    rows = {e.webhook_event_id: e for e in WebhookEvent.objects.all()}
    assert set(rows) == {e["webhookEventId"] for e in events}
    stored = rows[events[1]["webhookEventId"]]
    assert stored.raw == events[1]
    assert stored.is_redelivery is True
    assert stored.occurred_at == at
    assert stored.line_user_id == USER
    assert stored.received_at is not None
    assert stored.outcome == WebhookEvent.Outcome.PENDING
    # Processing happens later (Celery after commit, or the sweep): nothing yet.
    assert not Message.objects.exists()


def test_a_repeated_webhook_event_id_is_a_no_op(post_webhook):
    event = text_event("一度だけ", at=timezone.now())
    assert post_webhook([event]).status_code == 200
    events_sweep()
    redelivered = json.loads(json.dumps(event))
    redelivered["deliveryContext"]["isRedelivery"] = True
    assert post_webhook([redelivered, event]).status_code == 200
    events_sweep()
    assert WebhookEvent.objects.count() == 1
    assert Message.objects.filter(direction="in").count() == 1
    assert WebhookEvent.objects.get().is_redelivery is False  # the first delivery's row stands


def test_the_same_message_under_a_new_event_id_makes_one_message(post_webhook):
    at = timezone.now()
    first = text_event("同じ", at=at, message_id="555")
    again = text_event("同じ", at=at, message_id="555")
    post_webhook([first, again])
    events_sweep()
    assert Message.objects.filter(direction="in").count() == 1


def _every_event_type(at: datetime.datetime) -> list[dict]:
    """One of each event LINE's SDKs show in their samples, with group and room sources, and a
    type no SDK knows."""
    group = {"type": "group", "groupId": "C" + "1" * 32, "userId": USER}
    room = {"type": "room", "roomId": "R" + "2" * 32, "userId": USER}
    token = {"replyToken": "t" * 32}
    media = {"contentProvider": {"type": "line"}}
    return [
        follow_event(at=at),
        text_event("テキスト", at=at, message_id="100"),
        base("message", at=at, message={"id": "101", "type": "image", **media}, **token),
        base("message", at=at, message={"id": "102", "type": "video", "duration": 6000, **media}),
        base("message", at=at, message={"id": "103", "type": "audio", "duration": 6000, **media}),
        base(
            "message",
            at=at,
            message={"id": "104", "type": "file", "fileName": "a.pdf", "fileSize": 2138},
        ),
        base(
            "message",
            at=at,
            message={
                "id": "105",
                "type": "location",
                "title": "駅",
                "address": "大阪市",
                "latitude": 34.7,
                "longitude": 135.5,
            },
        ),
        base(
            "message",
            at=at,
            message={
                "id": "106",
                "type": "sticker",
                "packageId": "1",
                "stickerId": "1",
                "stickerResourceType": "STATIC",
                "keywords": ["Love"],
            },
        ),
        base("message", at=at, message={"id": "107", "type": "hologram"}),  # unknown message type
        base("message", at=at, source=group, message={"id": "108", "type": "text", "text": "g"}),
        base("message", at=at, source=room, message={"id": "109", "type": "text", "text": "r"}),
        base(
            "postback",
            at=at,
            postback={"data": "survey=glad", "params": {"date": "2023-04-01"}},
            **token,
        ),
        base("unsend", at=at + datetime.timedelta(seconds=5), unsend={"messageId": "100"}),
        base(
            "messageEdited",
            at=at,
            source=group,
            message={"id": "108", "type": "text", "text": "g2"},
        ),
        base("join", at=at, source=group, **token),
        base("leave", at=at, source=group),
        base(
            "memberJoined",
            at=at,
            source=group,
            joined={"members": [{"type": "user", "userId": USER}]},
            **token,
        ),
        base(
            "memberLeft", at=at, source=group, left={"members": [{"type": "user", "userId": USER}]}
        ),
        base("beacon", at=at, beacon={"hwid": "d41d8cd98f", "type": "enter"}, **token),
        base("accountLink", at=at, link={"result": "ok", "nonce": "n"}, **token),
        base("videoPlayComplete", at=at, videoPlayComplete={"trackingId": "t"}, **token),
        base("things", at=at, things={"deviceId": "t", "type": "link"}, **token),
        base("activated", at=at, chatControl={"expireAt": 1}),
        base("membership", at=at, membership={"type": "joined", "membershipId": 1}),
        base("somethingNew", at=at, whatever={"1": 1}),
        unfollow_event(at=at + datetime.timedelta(seconds=9)),
    ]


def test_every_event_type_is_accepted_stored_and_processed_without_error(post_webhook):
    at = timezone.now() - datetime.timedelta(minutes=1)
    events = _every_event_type(at)
    assert post_webhook(events).status_code == 200
    assert WebhookEvent.objects.count() == len(events)
    events_sweep()
    outcomes = dict(WebhookEvent.objects.values_list("webhook_event_id", "outcome"))
    assert set(outcomes.values()) <= {"done", "ignored"}, outcomes
    by_id = {e["webhookEventId"]: e for e in events}
    for event_id, outcome in outcomes.items():
        event = by_id[event_id]
        one_to_one = event["source"]["type"] == "user"
        handled = event["type"] in {
            "follow",
            "unfollow",
            "message",
            "postback",
            "unsend",
            "messageEdited",
        }
        assert outcome == ("done" if one_to_one and handled else "ignored"), event["type"]
    # The one-to-one messages, not those in the group or the room.
    kinds = sorted(Message.objects.filter(direction="in").values_list("kind", flat=True))
    assert kinds == sorted(
        ["text", "image", "video", "audio", "file", "location", "sticker", "other"]
    )
    unsent = Message.objects.get(line_message_id="100")
    assert unsent.retracted_at is not None and unsent.text == ""
    assert Postback.objects.get().data == "survey=glad"
    user = LineUser.objects.get()
    assert user.is_friend is False  # the unfollow is the latest event
    assert Conversation.objects.count() == 1


def test_events_are_processed_after_commit_by_celery(
    post_webhook, django_capture_on_commit_callbacks, monkeypatch
):
    sent = []
    from line import tasks

    monkeypatch.setattr(
        tasks.process_events, "apply_async", lambda args, kw=None, **o: sent.append(args)
    )
    with django_capture_on_commit_callbacks(execute=True):
        post_webhook([text_event("あと", at=timezone.now())])
        assert not sent  # nothing before the commit
    deadline = time.monotonic() + 5
    while not sent and time.monotonic() < deadline:
        time.sleep(0.01)
    ((ids,),) = sent
    assert ids == list(WebhookEvent.objects.values_list("pk", flat=True))


def test_friend_state_follows_event_times_not_arrival(post_webhook):
    t0 = timezone.now().replace(microsecond=0) - datetime.timedelta(days=2)
    follow = follow_event(at=t0)
    block = unfollow_event(at=t0 + datetime.timedelta(hours=1))
    refollow = follow_event(at=t0 + datetime.timedelta(hours=2), unblocked=True)
    # They arrive newest first (redeliveries come late).
    post_webhook([refollow])
    events_sweep()
    post_webhook([block])
    events_sweep()
    post_webhook([follow])
    events_sweep()
    user = LineUser.objects.get()
    assert user.is_friend is True
    assert user.friend_state_at == t0 + datetime.timedelta(hours=2)
    assert user.first_followed_at == t0
    # A late block older than the re-follow changes nothing; a newer one does.
    post_webhook([unfollow_event(at=t0 + datetime.timedelta(minutes=90))])
    events_sweep()
    user.refresh_from_db()
    assert user.is_friend is True
    post_webhook([unfollow_event(at=t0 + datetime.timedelta(hours=3))])
    events_sweep()
    user.refresh_from_db()
    assert user.is_friend is False


@pytest.mark.django_db(transaction=True)
def test_redis_down_during_a_burst_loses_nothing(post_webhook, producer_on):
    at = timezone.now() - datetime.timedelta(minutes=1)
    users = [f"U{i:032x}" for i in range(10)]
    bodies = [
        [text_event(f"メッセージ{i}-{j}", at=at, user=u) for j in range(3)]
        for i, u in enumerate(users)
    ]
    answers: list[int] = []
    started = time.monotonic()
    with producer_on("redis://127.0.0.1:1/0"):  # nothing listens there
        for events in bodies:
            answers.append(post_webhook(events).status_code)
    elapsed = time.monotonic() - started
    assert answers == [200] * len(bodies)
    assert elapsed < 2 * len(bodies)  # each answered well within LINE's 2 seconds
    assert WebhookEvent.objects.filter(outcome="pending").count() == 30
    # Redis is back: the sweep processes everything that was accepted.
    assert events_sweep() == 30
    assert not WebhookEvent.objects.filter(outcome="pending").exists()
    assert Message.objects.filter(direction="in").count() == 30
    assert Conversation.objects.count() == 10


@pytest.mark.django_db(transaction=True)
def test_postgresql_refusing_connections_answers_5xx_and_writes_nothing(post_webhook):
    body = body_of([text_event("届いて", at=timezone.now())])
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict["HOST"] = "127.0.0.1"
    connection.settings_dict["PORT"] = 1  # nothing listens there
    try:
        response = post_webhook(body=body)
    finally:
        connection.close()
        connection.settings_dict.update(saved)
    assert 500 <= response.status_code < 600
    assert not WebhookEvent.objects.exists()
    # LINE redelivers; now it is stored.
    assert post_webhook(body=body).status_code == 200
    assert WebhookEvent.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_deliveries_of_the_same_events_store_each_once(
    line_settings, live_server
):
    import urllib.request

    from line.webhook import sign

    at = timezone.now()
    events = [text_event(f"並行{i}", at=at) for i in range(5)]
    body = body_of(events)
    codes: list[int] = []

    def send():
        request = urllib.request.Request(
            f"{live_server.url}/line/webhook/",
            data=body,
            method="POST",
            headers={"Content-Type": "application/json", "x-line-signature": sign(body, SECRET)},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            codes.append(response.status)

    threads = [threading.Thread(target=send) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert codes == [200] * 20
    assert WebhookEvent.objects.count() == 5
