"""The LINE inbox in Chromium: her message arrives through the signed webhook and shows in the
inbox, a counselor claims it, replies (the fake LINE receives the push), asks a supervisor,
the supervisor sees it on the live view, and the counselor closes it into a consultation."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.tests.factories import PASSWORD
from cases.models import Consultation
from conftest import csp_violations, screenshot, sign_in, watch_page
from line.models import Conversation
from line.services.events import events_sweep
from line.services.outbound import messages_send_due

from .conftest import post_signed, text_event

pytestmark = pytest.mark.django_db(transaction=True)

WIDE = {"width": 1280, "height": 900}


def test_message_claim_reply_escalate_live_view_and_close(
    page, login, counselor, supervisor, browser, live_server, fake_line, settings
):
    settings.LINE_INBOX_POLL_SECONDS = 2
    problems = watch_page(page)
    page.set_viewport_size(WIDE)
    login(counselor)

    # Her message comes through the webhook, signed as LINE signs it.
    first = text_event("眠れなくて、誰かに話したい", at=timezone.now())
    assert post_signed(live_server.url, [first]) == 200
    events_sweep()
    conversation = Conversation.objects.get()
    name = conversation.client.nickname

    # The home block and the inbox show her waiting.
    page.goto("/")
    expect(page.locator("#home-line")).to_contain_text("件待機中")
    page.get_by_role("link", name="受信箱を開く").click()
    expect(page.locator("#inbox-rows")).to_contain_text(name)
    csp_violations(page, problems)
    screenshot(page, "line-inbox-waiting")

    # She claims it and replies.
    page.locator("#inbox-rows").get_by_role("button", name="対応する").click()
    expect(page.get_by_role("status")).to_contain_text("担当になりました")
    expect(page.locator("#history")).to_contain_text("眠れなくて、誰かに話したい")
    page.get_by_label("相談者への返信").fill("ご連絡ありがとうございます。お話を聞かせてください。")
    page.get_by_role("button", name="送信する").click()
    expect(page.locator("#history")).to_contain_text("お話を聞かせてください")
    messages_send_due()
    assert any(
        m["text"] == "ご連絡ありがとうございます。お話を聞かせてください。"
        for push in fake_line.state.pushes
        for m in push["messages"]
    )
    # The page notices the message was sent, without reloading.
    expect(page.locator("#history [data-status=sent]").last).to_be_visible(timeout=10_000)
    csp_violations(page, problems)
    screenshot(page, "line-conversation-replied")

    # She asks a supervisor.
    page.locator("summary", has_text="スーパーバイザーに相談する").click()
    page.get_by_label("理由").select_option("life")
    page.get_by_role("button", name="エスカレーションする").click()
    expect(page.get_by_role("status")).to_contain_text("スーパーバイザーに対応を依頼しました")
    expect(page.locator("#escalations")).to_contain_text("スーパーバイザーの応答待ち")

    # The supervisor sees it on her live view, which updates itself.
    context = browser.new_context(
        locale="ja-JP", timezone_id="Asia/Tokyo", base_url=live_server.url
    )
    other = context.new_page()
    other.set_viewport_size(WIDE)
    sign_in(other, supervisor, PASSWORD)
    other.goto("/line/live/")
    row = other.locator("#live-conversations tr", has_text=name)
    expect(row).to_contain_text("SV対応依頼中")
    expect(row).to_contain_text(str(counselor))
    expect(other.locator("#live-load")).to_contain_text("1 / 3")
    screenshot(other, "line-live-view")
    # A second woman writes: the live view shows her without a reload.
    assert post_signed(
        live_server.url,
        [text_event("こんにちは", at=timezone.now(), user="U" + "b" * 32)],
    )
    events_sweep()
    expect(other.locator("#live-conversations tbody tr")).to_have_count(2, timeout=10_000)
    other.get_by_role("link", name=name).click()
    other.get_by_role("button", name="エスカレーションを対応済みにする").click()
    expect(other.get_by_role("status")).to_contain_text("対応済みにしました")
    context.close()

    # The counselor closes it into a LINE consultation.
    page.reload()
    page.locator("summary", has_text="やりとりを終了する").click()
    page.get_by_label("傾聴・助言で終了").check()
    page.get_by_label("主訴").select_option("health")
    page.get_by_label("こころの健康").check()
    page.get_by_label("アンケートを送らない").check()
    screenshot(page, "line-conversation-closing")
    page.get_by_role("button", name="終了して記録する").click()
    expect(page.get_by_role("status")).to_contain_text("やりとりを終了しました")
    expect(page.get_by_role("link", name="相談記録")).to_be_visible()
    csp_violations(page, problems)
    conversation.refresh_from_db()
    assert conversation.outcome == "resolved"
    consultation = Consultation.objects.get(pk=conversation.consultation_id)
    assert consultation.kind == "line" and consultation.main_concern == "health"
    assert consultation.topics == ["mental"]
