"""The report's LINE numbers, the pages (coordinators' texts, supervisors' settings, the DEBUG
simulator), and her APPI rights."""

from __future__ import annotations

import datetime

import pytest
from django.test import override_settings
from django.utils import timezone

from cases.tests.factories import ClientFactory, ConsultationFactory
from core.time import TOKYO
from line.models import AutoReplyText, ChannelSettings, Conversation, LineUser, Message
from line.privacy import anonymise, disclose
from line.selectors import line_profile_for, report_numbers
from line.services.conversations import conversation_claim, conversation_close
from line.services.events import events_sweep
from openings.models import Channel, Opening

from .conftest import follow_event, text_event, unfollow_event

pytestmark = pytest.mark.django_db

START, END = datetime.date(2022, 4, 1), datetime.date(2023, 3, 31)


def tokyo(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=TOKYO)


KEYS = {
    "friends_at_end",
    "follows",
    "unfollows",
    "messages_received",
    "messages_outside_hours",
    "conversations_by_outcome",
}


def _report(start, end) -> dict:
    """The whole report's flat figures (the LINE part beside the openings' and the cases')."""
    from reports import selectors as report_selectors

    period = report_selectors.Period(start, end)
    return report_selectors.flatten(report_selectors.kpi_numbers(period))


def test_an_empty_period_gives_zeros():
    numbers = report_numbers(START, END)
    assert set(numbers) == KEYS
    assert {k: v for k, v in numbers.items() if k != "conversations_by_outcome"} == dict.fromkeys(
        KEYS - {"conversations_by_outcome"}, 0
    )
    assert set(numbers["conversations_by_outcome"].values()) == {0}


def test_the_numbers_count_by_event_time(post_webhook, django_assert_max_num_queries, counselor):
    a, b, c, d = ("U" + ch * 32 for ch in "abcd")
    post_webhook(
        [
            follow_event(at=tokyo(2022, 5, 1, 12), user=a),
            follow_event(at=tokyo(2022, 6, 1, 12), user=b),
            unfollow_event(at=tokyo(2022, 7, 1, 12), user=b),  # blocked
            follow_event(at=tokyo(2022, 8, 1, 12), user=c),
            unfollow_event(at=tokyo(2022, 9, 1, 12), user=c),
            follow_event(at=tokyo(2022, 10, 1, 12), user=c, unblocked=True),  # came back
            follow_event(at=tokyo(2023, 3, 31, 23, 59), user=d),  # the last minute counts
            unfollow_event(at=tokyo(2023, 4, 1, 0, 1), user=d),  # after the end: not counted
            follow_event(at=tokyo(2022, 3, 31, 23, 59), user="U" + "e" * 32),  # before: a friend
            # A Wednesday at 15:00 (in hours, with the window materialised) and at 22:00.
            text_event("昼", at=tokyo(2022, 5, 4, 15), user=a),
            text_event("夜", at=tokyo(2022, 5, 4, 22), user=a),
        ]
    )
    Opening.objects.create(
        channel=Channel.LINE, starts_at=tokyo(2022, 5, 4, 14), ends_at=tokyo(2022, 5, 4, 20)
    )
    Opening.objects.create(
        channel=Channel.LINE, starts_at=tokyo(2022, 5, 8, 10), ends_at=tokyo(2022, 5, 8, 16)
    )
    events_sweep()
    for when in (tokyo(2022, 5, 4, 15), tokyo(2022, 5, 8, 11), tokyo(2022, 5, 8, 12)):
        ConsultationFactory(kind="line", started_at=when, ended_at=when, recorded_by=counselor)
    conversation = Conversation.objects.get()
    conversation_claim(conversation=conversation, by=counselor)
    conversation_close(conversation=conversation, outcome="referred", by=counselor)
    Conversation.objects.filter(pk=conversation.pk).update(closed_at=tokyo(2022, 5, 4, 23))
    with django_assert_max_num_queries(4):  # friends, counts, outside, outcomes
        numbers = report_numbers(START, END)
    assert numbers["friends_at_end"] == 4  # a, c, d and the one from before the period
    assert numbers["follows"] == 5  # a, b, c twice, d
    assert numbers["unfollows"] == 2
    assert numbers["messages_received"] == 2
    assert numbers["messages_outside_hours"] == 1
    assert numbers["conversations_by_outcome"]["referred"] == 1
    whole = _report(START, END)
    assert whole["line.friends_at_end"] == 4 and whole["line.messages_outside_hours"] == 1
    assert whole["line.opening_days"] == 2
    assert whole["line.consultations"] == 3
    assert whole["line.consultations_per_opening_day"] == 1.5
    # At the end of April she had not added the account yet.
    assert report_numbers(START, datetime.date(2022, 4, 30))["friends_at_end"] == 1


def test_the_ratio_rounds_half_up(counselor):
    for i in range(3):
        Opening.objects.create(
            channel=Channel.LINE,
            starts_at=tokyo(2022, 5, 1 + i, 10),
            ends_at=tokyo(2022, 5, 1 + i, 16),
        )
    for _ in range(1):
        when = tokyo(2022, 5, 1, 11)
        ConsultationFactory(kind="line", started_at=when, ended_at=when, recorded_by=counselor)
    # 1 / 3 = 0.333… → 0.3 (the exact half: core/tests/test_exports_and_figures.py).
    assert _report(START, END)["line.consultations_per_opening_day"] == 0.3


def test_the_demo_year_gives_the_reports_line_numbers(db):
    from django.core.management import call_command

    call_command("seed_demo", "--seed", "2022", "--scale", "1", verbosity=0)
    numbers = report_numbers(START, END)
    assert numbers["friends_at_end"] == 1424
    whole = _report(START, END)
    assert whole["line.friends_at_end"] == 1424
    assert whole["line.consultations"] == 1081
    assert whole["line.opening_days"] == 105
    assert whole["line.consultations_per_opening_day"] == 10.3
    assert numbers["unfollows"] > 0 and numbers["follows"] > 1424  # blocks and re-follows
    assert 0 < numbers["messages_outside_hours"] < numbers["messages_received"]
    assert sum(numbers["conversations_by_outcome"].values()) == 1081
    statuses = set(Conversation.objects.values_list("status", flat=True))
    assert statuses == {"waiting", "open", "resolved"}
    # --reset removes exactly what the seeder wrote, and seeds it again.
    call_command("seed_demo", "--seed", "2022", "--scale", "1", "--reset", verbosity=0)
    assert report_numbers(START, END)["friends_at_end"] == 1424


# --- pages ----------------------------------------------------------------------------------


def test_coordinators_edit_a_reply_and_a_blank_one_is_refused(client, coordinator, counselor):
    client.force_login(counselor)
    assert client.get("/line/replies/").status_code == 404
    client.force_login(coordinator)
    page = client.get("/line/replies/")
    assert page.status_code == 200 and "#8008" in page.content.decode()
    assert client.post("/line/replies/greeting/", {"text": " "}).status_code == 400
    assert not AutoReplyText.objects.exists()
    response = client.post("/line/replies/greeting/", {"text": "ようこそ"})
    assert response.status_code == 302
    assert AutoReplyText.objects.get(key="greeting").text == "ようこそ"


def test_supervisors_choose_whether_counselors_see_her_line_profile(client, supervisor, counselor):
    user = LineUser.objects.create(line_user_id="U" + "f" * 32, display_name="はなこ")
    assert line_profile_for(counselor, user) is None  # hidden by default
    assert line_profile_for(supervisor, user)["display_name"] == "はなこ"
    client.force_login(counselor)
    assert client.get("/line/settings/").status_code == 404
    client.force_login(supervisor)
    assert client.post("/line/settings/", {"show_line_profile": "on"}).status_code == 302
    assert ChannelSettings.objects.get().show_line_profile is True
    assert line_profile_for(counselor, user)["display_name"] == "はなこ"


def test_the_simulator_exists_only_with_debug(client, counselor, settings):
    client.force_login(counselor)
    settings.DEBUG = False
    assert client.get("/line/simulator/").status_code == 404
    settings.DEBUG = True
    assert client.get("/line/simulator/").status_code == 200


@pytest.mark.django_db(transaction=True)
@override_settings(DEBUG=True, LINE_CHANNEL_SECRET="sim-secret")
def test_the_simulator_posts_a_signed_event_to_the_webhook(live_server, counselor):
    from django.test import Client

    browser = Client()
    browser.force_login(counselor)
    response = browser.post(
        "/line/simulator/",
        {"line_user_id": "U" + "1" * 32, "event": "text", "text": "シミュレーターから"},
        HTTP_HOST=live_server.url.split("//")[1],
    )
    assert response.status_code == 302
    events_sweep()
    assert Message.objects.get(direction="in").text == "シミュレーターから"


# --- her rights -------------------------------------------------------------------------------


def test_disclosure_and_anonymisation(post_webhook):
    post_webhook(
        [
            follow_event(at=timezone.now() - datetime.timedelta(days=3)),
            text_event("ひみつの相談", at=timezone.now() - datetime.timedelta(days=2)),
        ]
    )
    events_sweep()
    client = LineUser.objects.get().client
    shown = str(disclose(client))
    assert "ひみつの相談" in shown
    before = report_numbers(START, datetime.date.today())
    scrubbed = anonymise(client, timezone.now())
    assert scrubbed["line_messages"] == 1
    assert "ひみつ" not in str(disclose(client))
    from line.models import WebhookEvent

    assert all("ひみつ" not in str(e.raw) for e in WebhookEvent.objects.all())
    assert LineUser.objects.get().line_user_id.startswith("anonymised-")
    assert report_numbers(START, datetime.date.today()) == before  # the figures stay
    assert anonymise(client, timezone.now()) == {}  # idempotent


def test_another_client_is_not_disclosed(post_webhook):
    post_webhook([text_event("わたしの", at=timezone.now())])
    events_sweep()
    assert "わたしの" not in str(disclose(ClientFactory()))
