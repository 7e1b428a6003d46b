"""The LINE conversations download: when, how they ended, how many messages, never a message
body, her LINE name or a handover note; supervisors only."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from core.tests.exporting import csv_rows, exported_by, xlsx_rows
from line.models import Conversation, LineUser
from line.services.conversations import conversation_claim
from line.services.events import events_sweep
from line.services.inbox import conversation_handover

from .conftest import USER, follow_event, text_event

pytestmark = pytest.mark.django_db
URL = "reports:export_line.conversations"
SECRET = "だれにも言えない話"
# The session, the user, her second factor, her roles, the history context, then the
# conversations with their messages counted in one cursor, whatever their number.
QUERIES = 6


@pytest.fixture
def her_says(post_webhook):
    def send(text: str, *, user: str = USER) -> Conversation:
        at = timezone.now() - datetime.timedelta(seconds=5)
        post_webhook(
            [
                follow_event(at=at - datetime.timedelta(minutes=1), user=user),
                text_event(text, at=at, user=user),
            ]
        )
        events_sweep()
        return Conversation.objects.get(line_user__line_user_id=user)

    return send


def test_conversations_come_without_bodies_names_or_notes(
    client, supervisor, counselor, her_says, fake_line
):
    conversation = her_says(f'=HYPERLINK("x") {SECRET}')
    LineUser.objects.filter(pk=conversation.line_user_id).update(display_name=f"{SECRET}さん")
    conversation_claim(conversation=conversation, by=counselor)
    conversation_handover(conversation=conversation, note=f"{SECRET}（引き継ぎ）", by=counselor)
    client.force_login(supervisor)
    rows = csv_rows(client.get(reverse(URL), {"format": "csv"}))
    assert rows[0][0] == "会話番号"
    assert rows[1][0] == str(conversation.pk) and rows[1][2] == "待機中"
    # Counted, not read: her one message, and the automatic replies she was sent.
    to_her = conversation.messages.filter(direction="out").count()
    assert rows[1][-2:] == ["1", str(to_her)]
    assert SECRET not in repr(rows) and "HYPERLINK" not in repr(rows)
    book = xlsx_rows(client.get(reverse(URL), {"format": "xlsx"}))
    assert book[1][0] == conversation.pk and SECRET not in repr(book)
    assert exported_by(supervisor, "line.conversation") == 2


def test_the_status_and_period_filters_apply(client, supervisor, her_says, fake_line):
    conversation = her_says("こんにちは")
    client.force_login(supervisor)
    assert len(csv_rows(client.get(reverse(URL), {"status": "waiting"}))) == 2
    assert len(csv_rows(client.get(reverse(URL), {"status": "resolved"}))) == 1
    assert len(csv_rows(client.get(reverse(URL), {"from": "2001-01-01", "to": "2001-12-31"}))) == 1
    assert client.get(reverse(URL), {"status": "nosuch"}).status_code == 400
    assert conversation.pk


def test_only_supervisors_may_download(client, counselor, coordinator, expert, outsider):
    for user in (counselor, coordinator, expert, outsider):
        client.force_login(user)
        assert client.get(reverse(URL), {"format": "csv"}).status_code == 404
    client.force_login(counselor)
    assert reverse(URL) not in client.get(reverse("line:inbox")).text


def test_the_inbox_offers_the_download_to_supervisors(client, supervisor):
    client.force_login(supervisor)
    assert reverse(URL) + "?format=csv" in client.get(reverse("line:inbox")).text


@pytest.mark.parametrize("count", [1, 4])
def test_the_download_runs_a_fixed_number_of_queries(
    client, supervisor, her_says, fake_line, count, django_assert_num_queries
):
    for n in range(count):
        her_says("こんにちは", user="U" + f"{n:x}" * 32)
    client.force_login(supervisor)
    with django_assert_num_queries(QUERIES):
        rows = csv_rows(client.get(reverse(URL)))
    assert len(rows) == count + 1
