"""An expert day on LINE in Chromium: her message comes through the signed webhook, the
counselor routes the conversation to today's expert, the expert signs in and sees that
conversation only, replies (the fake LINE receives the push) and closes it into a legal
consultation that is hers."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.tests.factories import PASSWORD
from activities import services as activity_services
from activities.models import ExpertDay
from cases.models import Consultation
from conftest import csp_violations, screenshot, sign_in, watch_page
from core.time import local_date, local_datetime
from line.models import Conversation
from line.services.events import events_sweep
from line.services.outbound import messages_send_due

from .conftest import post_signed, text_event

pytestmark = pytest.mark.django_db(transaction=True)

WIDE = {"width": 1280, "height": 900}


def test_counselor_routes_to_todays_expert_who_replies_and_closes_it(
    page, login, counselor, expert, coordinator, browser, live_server, fake_line
):
    day = local_date(timezone.now())
    activity_services.expert_day_create(
        kind=ExpertDay.Kind.LEGAL,
        expert=expert,
        starts_at=local_datetime(day, datetime.time(0, 5)),
        ends_at=local_datetime(day, datetime.time(23, 5)),
        slot_minutes=60,
        by=coordinator,
    )
    problems = watch_page(page)
    page.set_viewport_size(WIDE)
    now = timezone.now()
    assert post_signed(live_server.url, [text_event("離婚について弁護士に聞きたい", at=now)])
    assert post_signed(live_server.url, [text_event("別の相談です", at=now, user="U" + "c" * 32)])
    events_sweep()
    routed, other = Conversation.objects.order_by("pk")

    # The counselor routes the first conversation to today's expert.
    login(counselor)
    page.goto(f"/line/conversations/{routed.pk}/")
    page.locator("summary", has_text="今日の専門相談員につなぐ").click()
    expect(page.locator("#route-box")).to_contain_text(str(expert))
    page.locator("#id_route-expert").select_option(str(expert.pk))
    screenshot(page, "line-route-to-expert")
    page.get_by_role("button", name="専門相談員につなぐ").click()
    expect(page.get_by_role("status")).to_contain_text("当日の専門相談員につなぎました")
    csp_violations(page, problems)

    # The expert signs in: her inbox holds that conversation, nothing else.
    context = browser.new_context(
        locale="ja-JP", timezone_id="Asia/Tokyo", base_url=live_server.url
    )
    theirs = context.new_page()
    theirs_problems = watch_page(theirs)
    theirs.set_viewport_size(WIDE)
    sign_in(theirs, expert, PASSWORD)
    theirs.goto("/line/inbox/")
    rows = theirs.locator("#inbox-rows tbody tr")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text(routed.client.nickname)
    expect(theirs.locator("#inbox-rows")).not_to_contain_text(other.client.nickname)
    screenshot(theirs, "line-expert-inbox")
    theirs.get_by_role("link", name=routed.client.nickname).click()
    expect(theirs.locator("#history")).to_contain_text("離婚について弁護士に聞きたい")
    expect(theirs.locator("#expert-routing")).to_be_visible()
    expect(theirs.locator("#case-summary")).to_have_count(0)

    # She replies; the fake LINE receives the push.
    theirs.get_by_label("相談者への返信").fill("弁護士の山田です。お話を伺います。")
    theirs.get_by_role("button", name="送信する").click()
    expect(theirs.locator("#history")).to_contain_text("お話を伺います")
    messages_send_due()
    assert any(
        m["text"] == "弁護士の山田です。お話を伺います。"
        for push in fake_line.state.pushes
        for m in push["messages"]
    )

    # She closes it into a legal consultation that is hers.
    theirs.locator("summary", has_text="やりとりを終了する").click()
    theirs.get_by_label("傾聴・助言で終了").check()
    theirs.get_by_label("主訴").select_option("family")
    theirs.get_by_label("アンケートを送らない").check()
    theirs.get_by_role("button", name="終了して記録する").click()
    expect(theirs.get_by_role("status")).to_contain_text("やりとりを終了しました")
    csp_violations(theirs, theirs_problems)
    screenshot(theirs, "line-expert-closed")
    context.close()

    routed.refresh_from_db()
    consultation = Consultation.objects.get(pk=routed.consultation_id)
    assert consultation.kind == Consultation.Kind.LEGAL
    assert list(consultation.counselors.all()) == [expert]
    assert problems == [] and theirs_problems == []
