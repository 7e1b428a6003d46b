"""The counselors' inbox: the risk-first queue, claiming within the cap, handing over,
escalating (and the overtime alert), the conversation page (history access-logged, her record
beside it, the hooks' panels), replying, closing into a consultation, the live view, canned
responses, and the pages' query budgets at two sizes."""

from __future__ import annotations

import datetime
import itertools

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.tests.factories import UserFactory
from audit.models import AccessLog
from cases.models import Consultation, RiskFlag
from core.roles import Role
from line import hooks
from line.models import CannedResponse, Conversation, Escalation, LineUser, Message
from line.services import inbox as inbox_services
from line.services.conversations import conversation_claim
from notifications.models import Notification

pytestmark = pytest.mark.django_db

_users = itertools.count(1)


def make_conversation(*, minutes_ago: int = 10, urgent=False, category="", text="相談です"):
    """A conversation as her first message makes one (the services' shapes, without LINE)."""
    from cases.services.clients import client_create

    n = next(_users)
    at = timezone.now() - datetime.timedelta(minutes=minutes_ago)
    client = client_create(nickname=f"LINE-T{n:04d}", line_user_id="", by=None)
    line_user = LineUser.objects.create(line_user_id=f"U{n:032x}", client=client, is_friend=True)
    conversation = Conversation.objects.create(
        line_user=line_user,
        client=client,
        opened_at=at,
        last_message_at=at,
        last_incoming_at=at,
        urgent=urgent,
        category=category,
    )
    Message.objects.create(
        conversation=conversation,
        direction=Message.Direction.IN,
        text=text,
        sent_at=at,
        status=Message.Status.RECEIVED,
    )
    return conversation


def test_the_waiting_tab_puts_urgent_then_risk_first_then_oldest(client, counselor, supervisor):
    old = make_conversation(minutes_ago=30)
    risky = make_conversation(minutes_ago=5)
    RiskFlag.objects.create(client=risky.client, kind="suicidal", set_by=supervisor)
    urgent = make_conversation(minutes_ago=1, urgent=True, category="suicidal")
    newer = make_conversation(minutes_ago=20)
    from line.selectors import inbox_rows

    rows = list(inbox_rows(counselor, "waiting", now=timezone.now()))
    assert [r.pk for r in rows] == [urgent.pk, risky.pk, old.pk, newer.pk]
    assert rows[0].unread == 1
    client.force_login(counselor)
    page = client.get("/line/inbox/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "自殺念慮" in html  # the triage's category label
    assert "相談です" not in html  # the list shows no message text
    # All open is the supervisors' tab.
    assert client.get("/line/inbox/?tab=open").context["tab"] == "waiting"


def test_claim_is_refused_beyond_the_cap_with_a_message(client, counselor, settings):
    settings.LINE_COUNSELOR_CAP = 2
    conversations = [make_conversation() for _ in range(3)]
    client.force_login(counselor)
    for c in conversations[:2]:
        assert client.post(f"/line/conversations/{c.pk}/claim/").status_code == 302
    refused = client.post(f"/line/conversations/{conversations[2].pk}/claim/")
    assert refused.status_code == 400
    assert "2" in refused.context["refusal"]
    conversations[2].refresh_from_db()
    assert conversations[2].status == Conversation.Status.WAITING


def test_hand_over_puts_it_back_in_the_queue_with_a_note(client, counselor, colleague):
    c = make_conversation()
    conversation_claim(conversation=c, by=counselor)
    client.force_login(counselor)
    empty = client.post(f"/line/conversations/{c.pk}/handover/", {"handover-note": " "})
    assert empty.status_code == 400
    c.refresh_from_db()
    assert c.status == Conversation.Status.OPEN
    done = client.post(f"/line/conversations/{c.pk}/handover/", {"handover-note": "夜に再連絡"})
    assert done.status_code == 302
    c.refresh_from_db()
    assert c.status == Conversation.Status.WAITING and c.assigned_to is None
    assert c.handover_note == "夜に再連絡"
    conversation_claim(conversation=c, by=colleague)
    client.force_login(colleague)
    assert "夜に再連絡" in client.get(f"/line/conversations/{c.pk}/").content.decode()


def test_escalation_waits_then_every_supervisor_is_alerted_once(
    client, counselor, supervisor, settings
):
    settings.LINE_ESCALATION_OVERTIME_MINUTES = 10
    other = UserFactory(username="sv2", roles=[Role.SUPERVISOR])
    c = make_conversation()
    conversation_claim(conversation=c, by=counselor)
    client.force_login(counselor)
    bad = client.post(f"/line/conversations/{c.pk}/escalate/", {"escalate-kind": "nope"})
    assert bad.status_code == 400 and not Escalation.objects.exists()
    ok = client.post(
        f"/line/conversations/{c.pk}/escalate/", {"escalate-kind": "life", "escalate-note": ""}
    )
    assert ok.status_code == 302
    with pytest.raises(ValidationError):
        inbox_services.conversation_escalate(conversation=c, kind="minor", by=counselor)
    assert inbox_services.escalations_alert_overtime() == 0  # not overdue yet
    later = timezone.now() + datetime.timedelta(minutes=11)
    assert inbox_services.escalations_alert_overtime(now=later) == 1
    assert inbox_services.escalations_alert_overtime(now=later) == 0  # once
    alerts = Notification.objects.filter(kind="other")
    assert sorted(a.user_id for a in alerts) == sorted([supervisor.pk, other.pk])
    assert all(c.client.nickname not in a.title for a in alerts)  # names no one
    # The supervisor takes it over: the escalation is answered, the conversation hers.
    inbox_services.conversation_take_over(conversation=c, by=supervisor)
    c.refresh_from_db()
    assert c.assigned_to == supervisor
    assert not Escalation.objects.filter(answered_at__isnull=True).exists()


def test_the_conversation_page_logs_access_shows_her_record_and_the_panels(
    client, counselor, colleague, monkeypatch
):
    c = make_conversation()
    registry = hooks.Registry("conversation_panels")
    # Any app's template with its own context; here the empty record block stands in.
    registry.register(
        hooks.ConversationPanel("t", "line/_case_summary.html", lambda request, conv: {})
    )
    registry.register(hooks.ConversationPanel("none", "missing.html", lambda request, conv: None))
    monkeypatch.setattr(hooks, "conversation_panels", registry)
    conversation_claim(conversation=c, by=counselor)
    client.force_login(counselor)
    before = AccessLog.objects.count()
    page = client.get(f"/line/conversations/{c.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "相談です" in html and html.count('id="case-summary"') == 2
    assert page.context["summary"] is not None  # her record, through the cases app's scoping
    assert AccessLog.objects.count() == before + 1
    c.refresh_from_db()
    assert c.read_up_to is not None
    # A colleague who does not hold it sees the chat but not her record.
    client.force_login(colleague)
    assert client.get(f"/line/conversations/{c.pk}/").context["summary"] is None


def test_reply_queues_a_push_and_a_failed_one_can_be_retried(client, counselor, colleague):
    c = make_conversation()
    client.force_login(counselor)
    refused = client.post(f"/line/conversations/{c.pk}/reply/", {"reply-text": "こんにちは"})
    assert refused.status_code == 400  # not hers yet
    conversation_claim(conversation=c, by=counselor)
    assert client.post(f"/line/conversations/{c.pk}/reply/", {"reply-text": ""}).status_code == 400
    sent = client.post(f"/line/conversations/{c.pk}/reply/", {"reply-text": "お話を聞かせて"})
    assert sent.status_code == 302
    out = Message.objects.get(direction="out")
    assert out.status == Message.Status.SENDING
    Message.objects.filter(pk=out.pk).update(status="failed", failure_reason="gave_up:HTTP 500")
    page = client.get(f"/line/conversations/{c.pk}/").content.decode()
    assert "HTTP 500" in page and "retry/" in page
    client.force_login(colleague)
    assert client.post(f"/line/conversations/{c.pk}/messages/{out.pk}/retry/").status_code == 400
    client.force_login(counselor)
    assert client.post(f"/line/conversations/{c.pk}/messages/{out.pk}/retry/").status_code == 302
    out.refresh_from_db()
    assert out.status == Message.Status.SENDING and out.failure_reason == ""


def test_closing_records_the_outcome_and_a_line_consultation(client, counselor, monkeypatch):
    c = make_conversation()
    conversation_claim(conversation=c, by=counselor)
    client.force_login(counselor)
    url = f"/line/conversations/{c.pk}/close/"
    missing = client.post(url, {"close-outcome": "resolved"})
    assert missing.status_code == 400  # her main concern is asked for
    guards = hooks.Registry("close_guards")
    guards.register(hooks.CloseGuard("t", lambda conv: "危険時の手順が未完了です"))
    monkeypatch.setattr(hooks, "close_guards", guards)
    data = {
        "close-outcome": "referred",
        "close-main_concern": "economic",
        "close-topics": ["poverty", "work"],
        "close-skip_survey": "on",
    }
    guarded = client.post(url, data)
    assert guarded.status_code == 400 and "危険時の手順が未完了です" in guarded.content.decode()
    assert not Consultation.objects.exists()
    seen = []
    after = hooks.Registry("after_close")
    after.register(hooks.AfterClose("t", lambda **kw: seen.append(kw["options"])))
    monkeypatch.setattr(hooks, "close_guards", hooks.Registry("close_guards"))
    monkeypatch.setattr(hooks, "after_close", after)
    closed = client.post(url, data)
    assert closed.status_code == 302, closed.context["close_form"].errors
    c.refresh_from_db()
    assert c.status == "resolved" and c.outcome == "referred"
    consultation = c.consultation
    assert consultation.kind == Consultation.Kind.LINE
    assert consultation.main_concern == "economic" and consultation.topics == ["poverty", "work"]
    assert consultation.started_at == c.opened_at
    assert seen == [{"skip_survey": True}]


def test_no_reply_is_offered_after_the_setting(client, counselor, settings):
    settings.LINE_NO_REPLY_MINUTES = 30
    c = make_conversation(minutes_ago=60)
    conversation_claim(conversation=c, by=counselor)
    Message.objects.create(
        conversation=c,
        direction="out",
        text="いかがですか",
        sent_at=timezone.now() - datetime.timedelta(minutes=40),
        status="sent",
        retry_key=__import__("uuid").uuid4(),
        sent_by=counselor,
    )
    client.force_login(counselor)
    page = client.get(f"/line/conversations/{c.pk}/")
    assert page.context["offer_no_reply"] is True
    assert page.context["close_form"].initial == {"outcome": "no_reply"}
    assert (
        client.post(f"/line/conversations/{c.pk}/close/", {"close-outcome": "no_reply"}).status_code
        == 302
    )


def test_the_live_view_is_the_supervisors_and_shows_load(client, counselor, supervisor):
    c = make_conversation()
    conversation_claim(conversation=c, by=counselor)
    inbox_services.conversation_escalate(conversation=c, kind="dv_danger", by=counselor)
    client.force_login(counselor)
    assert client.get("/line/live/").status_code in (403, 404)
    client.force_login(supervisor)
    page = client.get("/line/live/")
    assert page.status_code == 200
    assert (counselor, 1, 3) in page.context["load"]
    assert page.context["rows"][0].escalation_kind == "dv_danger"
    state = client.get("/line/inbox/state/").json()
    assert state["counts"]["open"] == 1 and "相談" not in str(state)


def test_canned_responses_are_kept_by_coordinators(client, coordinator, counselor):
    client.force_login(counselor)
    assert client.get("/line/canned-responses/").status_code in (403, 404)
    client.force_login(coordinator)
    assert client.post("/line/canned-responses/new/", {"title": "", "text": ""}).status_code == 400
    made = client.post(
        "/line/canned-responses/new/",
        {
            "title": "はじめの挨拶",
            "text": "ご連絡ありがとうございます。",
            "order": 1,
            "active": "on",
        },
    )
    assert made.status_code == 302
    response = CannedResponse.objects.get()
    c = make_conversation()
    conversation_claim(conversation=c, by=counselor)
    client.force_login(counselor)
    assert "はじめの挨拶" in client.get(f"/line/conversations/{c.pk}/").content.decode()
    assert response.active


@pytest.mark.parametrize("n", [2, 12])
def test_query_budgets(client, counselor, supervisor, n, django_assert_max_num_queries):
    conversations = [make_conversation(minutes_ago=i + 1) for i in range(n)]
    for c in conversations[: n // 2]:
        inbox_services.conversation_take_over(conversation=c, by=supervisor)
    mine = make_conversation()
    conversation_claim(conversation=mine, by=counselor)
    for _ in range(n):
        Message.objects.create(
            conversation=mine,
            direction="in",
            text="続き",
            sent_at=timezone.now(),
            status="received",
        )
    client.force_login(counselor)
    # Measured: 8, 8, 22, 11 and 8 queries at both sizes (session, user and access log included;
    # the conversation page's 22 count today's expert days, which it may be routed to).
    with django_assert_max_num_queries(10):
        assert client.get("/line/inbox/").status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get("/line/inbox/?tab=mine").status_code == 200
    with django_assert_max_num_queries(22):
        assert client.get(f"/line/conversations/{mine.pk}/").status_code == 200
    with django_assert_max_num_queries(13):
        assert client.get(f"/line/conversations/{mine.pk}/history/").status_code == 200
    client.force_login(supervisor)
    with django_assert_max_num_queries(10):
        assert client.get("/line/live/").status_code == 200
