"""Peer support and an expert day in Chromium: a coordinator plans a pastel-art session, a
counselor registers two of her clients and takes attendance once it has taken place; she books
a client into a legal slot with a note; the expert signs in, sees only that booking and records
the consultation, which counts as a legal consultation."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.tests.factories import PASSWORD, UserFactory
from activities import services
from activities.models import ExpertBooking, PeerSession, SessionRegistration
from cases.models import Consultation
from cases.tests.factories import ClientFactory
from conftest import csp_violations, screenshot, totp_code, totp_device, watch_page
from core.roles import Role

from .conftest import days_ahead, move_to_past

pytestmark = pytest.mark.django_db(transaction=True)

WIDE = {"width": 1280, "height": 900}


def _local(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def _signed_in(browser, live_server, user):
    context = browser.new_context(
        locale="ja-JP", timezone_id="Asia/Tokyo", base_url=live_server.url
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.set_viewport_size(WIDE)
    device = totp_device(user)
    page.goto("/accounts/login/")
    page.get_by_label("ユーザー名").fill(user.username)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url("**/accounts/mfa/**")
    page.locator("input[name=code]").fill(totp_code(device))
    page.locator("input[name=code]").press("Enter")
    page.wait_for_url("**/")
    return context, page


def test_a_session_with_attendance_and_an_expert_consultation(
    page, login, counselor, coordinator, expert, browser, live_server
):
    yuki = ClientFactory(counselors=[counselor], created_by=counselor, nickname="ゆき")
    hana = ClientFactory(counselors=[counselor], created_by=counselor, nickname="はな")
    other_expert = UserFactory(username="expert_b", roles=[Role.EXPERT])
    problems = watch_page(page)
    page.set_viewport_size(WIDE)

    # The coordinator plans a pastel-art session.
    login(coordinator)
    page.goto("/activities/sessions/")
    page.get_by_role("link", name="ピアサポートを登録する").click()
    start = days_ahead(4, 13)
    expect(page.locator("[name=title]")).to_have_value("パステルアート")
    page.locator("[name=starts_at]").fill(_local(start))
    page.locator("[name=ends_at]").fill(_local(start + datetime.timedelta(hours=2)))
    page.locator("[name=venue]").fill("クレオ大阪中央 研修室")
    page.locator("[name=capacity]").fill("6")
    page.locator("[name=materials]").fill("パステル、画用紙")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("status")).to_contain_text("ピアサポートを登録しました")
    session = PeerSession.objects.get()
    csp_violations(page, problems)
    screenshot(page, "peer-session-planned")

    # An expert day, planned by the coordinator too, with another expert's day beside it.
    page.goto("/activities/expert-days/new/")
    page.locator("[name=kind]").select_option("legal")
    page.locator("[name=expert]").select_option(str(expert.pk))
    day_start = days_ahead(3, 13)
    page.locator("[name=starts_at]").fill(_local(day_start))
    page.locator("[name=ends_at]").fill(_local(day_start + datetime.timedelta(hours=3)))
    page.locator("[name=slot_minutes]").select_option("50")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("status")).to_contain_text("専門相談日を登録しました")
    day = expert.expert_days.get()
    services.expert_day_create(
        kind="health",
        expert=other_expert,
        starts_at=days_ahead(5, 10),
        ends_at=days_ahead(5, 12),
        slot_minutes=60,
        by=coordinator,
    )

    # The counselor registers two of her clients, then books one into a legal slot.
    context, mine = _signed_in(browser, live_server, counselor)
    mine_problems = watch_page(mine)
    mine.goto(f"/activities/sessions/{session.pk}/")
    for her in (yuki, hana):
        mine.locator("[name=reg-client]").select_option(str(her.pk))
        mine.get_by_role("button", name="申し込む", exact=True).click()
        expect(mine.get_by_role("status")).to_contain_text("申込を受け付けました")
    expect(mine.locator("[data-registration]")).to_have_count(2)
    assert SessionRegistration.objects.filter(session=session).count() == 2

    mine.goto(f"/activities/expert-days/{day.pk}/")
    first_slot = day.slots.order_by("starts_at").first()
    mine.locator("[name=book-slot]").select_option(str(first_slot.pk))
    mine.locator("[name=book-client]").select_option(str(yuki.pk))
    mine.locator("[name=book-referral_note]").fill("離婚後の養育費について弁護士に聞きたい")
    mine.get_by_role("button", name="予約する").click()
    expect(mine.get_by_role("status")).to_contain_text("専門相談を予約しました")
    expect(mine.locator(f"[data-slot='{first_slot.pk}']")).to_contain_text("ゆき")
    csp_violations(mine, mine_problems)

    # The session took place: she takes attendance.
    move_to_past(session)
    mine.goto(f"/activities/sessions/{session.pk}/")
    for registration in session.registrations.all():
        mine.locator(f"#att-{registration.pk}-yes").check()
    mine.get_by_role("button", name="出欠を記録する").click()
    expect(mine.get_by_role("status")).to_contain_text("出欠を記録しました")
    expect(mine.locator("[data-status]").first).to_have_attribute("data-status", "held")
    expect(mine.locator("[data-attended]")).to_have_text("2")
    screenshot(mine, "peer-session-attendance")
    context.close()

    # The expert signs in: she sees her day and that one booking, nothing else.
    move_to_past(day)
    context, hers = _signed_in(browser, live_server, expert)
    hers_problems = watch_page(hers)
    hers.goto("/activities/expert-days/")
    expect(hers.locator("[data-booking]")).to_have_count(1)
    expect(hers.locator("[data-booking]")).to_contain_text("離婚後の養育費")
    expect(hers.locator("[data-day]")).to_have_count(1)
    probe = context.new_page()  # her refusals, away from the watched page
    assert probe.goto(f"/cases/clients/{yuki.pk}/").status == 404
    assert probe.goto(f"/activities/sessions/{session.pk}/").status == 404
    probe.close()
    hers.locator("[data-booking] a").click()
    expect(hers.locator("[data-referral-note]")).to_contain_text("養育費")
    hers.locator("[name=record-main_concern]").select_option("family")
    hers.locator("[name=record-summary]").fill("養育費の算定表と調停の流れを説明した")
    hers.locator("[name=record-follow_up_what]").fill("法テラスの窓口を案内する")
    hers.locator("[name=record-follow_up_due_at]").fill(
        _local(timezone.now() + datetime.timedelta(days=2))
    )
    hers.get_by_role("button", name="記録を保存").click()
    expect(hers.get_by_role("status")).to_contain_text("相談を記録しました")
    expect(hers.locator("[data-record]")).to_contain_text("調停の流れ")
    csp_violations(hers, hers_problems)
    screenshot(hers, "expert-booking-recorded")
    context.close()

    booking = ExpertBooking.objects.get()
    assert booking.status == ExpertBooking.Status.RECORDED
    assert booking.consultation.kind == Consultation.Kind.LEGAL
    assert booking.consultation.recorded_by == expert
    assert booking.followup.assignee == counselor
    assert problems == [] and mine_problems == [] and hers_problems == []
