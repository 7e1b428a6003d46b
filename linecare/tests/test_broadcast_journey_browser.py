"""In Chromium: a coordinator composes a broadcast, the preview shows the number of recipients
and LINE's quota, she submits it; a supervisor approves it; a Celery worker on the real Redis
sends it to the fake LINE through multicast; the page shows the delivery counts."""

from __future__ import annotations

import time

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.tests.factories import PASSWORD
from conftest import csp_violations, screenshot, sign_in, watch_page
from line.models import LineUser
from linecare.models import Broadcast

pytestmark = pytest.mark.django_db(transaction=True)

WIDE = {"width": 1280, "height": 900}


def test_compose_preview_approve_and_the_multicast_reaches_line(
    page, login, coordinator, supervisor, browser, live_server, fake_line, celery_worker
):
    now = timezone.now()
    LineUser.objects.bulk_create(
        [
            LineUser(line_user_id=f"U{n:032x}", is_friend=True, first_followed_at=now)
            for n in range(1, 4)
        ]
        + [LineUser(line_user_id=f"U{99:032x}", is_friend=False, first_followed_at=now)]
    )
    fake_line.state.quota, fake_line.state.consumption = 1000, 250

    problems = watch_page(page)
    page.set_viewport_size(WIDE)
    login(coordinator)
    page.goto("/")
    page.get_by_role("link", name="一斉配信").first.click()
    page.get_by_role("link", name="新しい一斉配信").click()
    page.locator("[name=title]").fill("相談日のお知らせ")
    page.locator("[name=text]").fill("水曜と日曜に相談を受け付けています。")
    page.get_by_label("友だち全員").check()
    page.get_by_role("button", name="保存してプレビュー").click()
    expect(page.locator("[data-test=preview]")).to_contain_text("水曜と日曜")
    expect(page.locator("[data-test=count]")).to_have_text("3人")
    expect(page.locator("[data-test=quota]")).to_contain_text("残り750通")
    csp_violations(page, problems)
    screenshot(page, "linecare-broadcast-preview")
    page.get_by_role("button", name="承認を依頼する").click()
    expect(page.locator("[data-test=status]")).to_have_text("承認待ち")
    # The author cannot approve it.
    expect(page.get_by_role("button", name="承認して3人に配信する")).to_have_count(0)
    broadcast = Broadcast.objects.get()

    context = browser.new_context(
        locale="ja-JP", timezone_id="Asia/Tokyo", base_url=live_server.url
    )
    other = context.new_page()
    other.set_viewport_size(WIDE)
    sign_in(other, supervisor, PASSWORD)
    other.goto(f"/linecare/broadcasts/{broadcast.pk}/")
    expect(other.locator("[data-test=count]")).to_have_text("3人")
    other.get_by_role("button", name="承認して3人に配信する").click()
    expect(other.get_by_role("status")).to_contain_text("承認しました")

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not fake_line.state.multicasts:
        time.sleep(0.2)
    (multicast,) = fake_line.state.multicasts
    assert sorted(multicast["to"]) == [f"U{n:032x}" for n in range(1, 4)]  # not the blocked one
    assert multicast["messages"] == [
        {"type": "text", "text": "水曜と日曜に相談を受け付けています。"}
    ]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and Broadcast.objects.get().status != "sent":
        time.sleep(0.2)
    other.reload()
    expect(other.locator("[data-test=status]")).to_have_text("配信済")
    expect(other.locator("[data-test=sent-count]")).to_have_text("3 / 3")
    expect(other.locator("[data-test=failed-count]")).to_have_text("0")
    expect(other.locator("[data-test=batches]")).to_contain_text("200")
    csp_violations(other, problems)
    screenshot(other, "linecare-broadcast-sent")
    context.close()
    assert problems == []
