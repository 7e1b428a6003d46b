"""In Chromium, as far as LINE care's own pages go: 「もう死にたい」 arrives through the webhook
and is first in the queue with its category; the counselor opens the protocol from the
conversation's risk page, records a 119 call; a colleague confirms it; the conversation is
closed (through the service: the inbox's pages are the LINE app's) and her survey postbacks
arrive through the webhook and are stored."""

from __future__ import annotations

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.tests.factories import PASSWORD
from conftest import csp_violations, screenshot, totp_code, totp_device, watch_page
from line.models import Conversation
from line.services.conversations import conversation_claim, conversation_close
from line.services.events import events_sweep
from line.services.outbound import messages_send_due
from linecare.models import Protocol, SurveyResponse

from .conftest import USER, base

pytestmark = pytest.mark.django_db(transaction=True)

WIDE = {"width": 1280, "height": 900}


def test_a_suicidal_message_the_protocol_a_119_call_and_the_survey(
    page, login, counselor, colleague, browser, live_server, her_message, fake_line, post_webhook
):
    calm = her_message("相談したいことがあります", user="U" + "d" * 32)
    conversation = her_message("もう死にたい")
    waiting = Conversation.objects.filter(status="waiting").order_by("-urgent", "opened_at")
    assert waiting.first() == conversation and calm.opened_at < conversation.opened_at
    assert conversation.category == "suicidal"
    conversation_claim(conversation=conversation, by=counselor)

    problems = watch_page(page)
    page.set_viewport_size(WIDE)
    login(counselor)
    page.goto(f"/linecare/conversations/{conversation.pk}/")
    expect(page.locator("[data-test=category]")).to_be_visible()
    expect(page.locator("main")).to_contain_text("死にたい")
    for label in ("死にたい気持ちがある", "具体的な計画がある", "今ひとりでいる"):
        page.get_by_label(label).select_option("yes")
    page.get_by_label("手段が手元にある").select_option("unknown")
    page.get_by_label("時期を決めている").select_option("no")
    page.get_by_role("button", name="緊急対応を開始").click()
    expect(page.locator("[data-test=status]")).to_have_text("対応中")
    csp_violations(page, problems)
    screenshot(page, "linecare-protocol-open")

    page.get_by_label("連絡先").select_option("ambulance")
    page.get_by_label("通報時刻").fill(timezone.localtime().strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("通報した職員").select_option(str(counselor.pk))
    page.get_by_label("本人の同意あり").check()
    page.get_by_role("button", name="通報を記録する").click()
    expect(page.get_by_role("status")).to_contain_text("通報を記録しました")
    expect(page.locator("main")).to_contain_text("救急（119）")
    # The one who opened it does not confirm it.
    expect(page.get_by_role("button", name="もう一人の職員として確認する")).to_have_count(0)
    protocol = Protocol.objects.get()

    context = browser.new_context(
        locale="ja-JP", timezone_id="Asia/Tokyo", base_url=live_server.url
    )
    other = context.new_page()
    other.set_viewport_size(WIDE)
    device = totp_device(colleague)
    other.goto("/accounts/login/")
    other.get_by_label("ユーザー名").fill(colleague.username)
    other.get_by_label("パスワード").fill(PASSWORD)
    other.get_by_role("button", name="ログイン").click()
    other.wait_for_url("**/accounts/mfa/**")
    other.locator("input[name=code]").fill(totp_code(device))
    other.locator("input[name=code]").press("Enter")
    other.wait_for_url("**/")
    other.goto(f"/linecare/protocols/{protocol.pk}/")
    other.get_by_role("button", name="もう一人の職員として確認する").click()
    expect(other.locator("[data-test=status]")).to_have_text("確認済")
    context.close()

    # The close (the inbox's pages are not LINE care's), then her survey through the webhook.
    conversation_close(
        conversation=conversation, outcome="referred", main_concern="dv_spouse", by=counselor
    )
    for label in (
        "誰かに相談したかった",
        "回答終了",
        "相談して良かった",
        "前向きな気持ちになれた",
        "なし",
    ):
        messages_send_due()
        (message,) = fake_line.state.pushes[-1]["messages"]
        buttons = {
            i["action"]["label"]: i["action"]["data"] for i in message["quickReply"]["items"]
        }
        post_webhook(
            [base("postback", at=timezone.now(), user=USER, postback={"data": buttons[label]})]
        )
        events_sweep()
    survey = SurveyResponse.objects.get(conversation=conversation)
    assert survey.reasons == ["wanted_someone"] and survey.satisfaction == "glad"
    assert survey.felt_positive == "yes" and survey.step == "done"
    assert survey.consultation_id == Conversation.objects.get(pk=conversation.pk).consultation_id
