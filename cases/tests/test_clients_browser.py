"""Intake from a LINE chat with the keyboard alone, in real Chromium."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from cases.models import Client, Consultation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _tab_to(page, element_id: str, limit: int = 40) -> None:
    """Press Tab until the element has the focus (date-time inputs take several stops)."""
    for _ in range(limit):
        if page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached #{element_id}")


def test_intake_by_keyboard_registers_her_and_records_the_consultation(login, counselor):
    page = login(counselor)
    started = time.monotonic()
    page.goto("/cases/intake/")

    # Step 1: the search box has the focus; nobody matches.
    search = page.get_by_label("ニックネーム・LINEユーザーID・電話番号")
    expect(search).to_be_focused()
    page.keyboard.type("みおり")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="該当：0件")).to_be_visible()

    # Tab to "register as new", carrying what she typed.
    register = page.get_by_role("button", name="新しい相談者として登録")
    for _ in range(5):
        page.keyboard.press("Tab")
        if register.evaluate("el => el === document.activeElement"):
            break
    expect(register).to_be_focused()
    page.keyboard.press("Enter")

    # Step 2: one form; the nickname is already there and has the focus.
    expect(page.get_by_role("heading", name="新しい相談者の登録と相談の記録")).to_be_visible()
    expect(page.get_by_label("ニックネーム")).to_have_value("みおり")
    expect(page.get_by_label("ニックネーム")).to_be_focused()

    _tab_to(page, "id_main_concern")
    page.keyboard.press("ArrowDown")  # the first concern: 夫等からの暴力
    _tab_to(page, "id_topics_0")
    page.keyboard.press("Space")  # 生活困窮
    _tab_to(page, "id_summary")
    page.keyboard.type("夫から逃げたい。今夜泊まる場所がない。")
    _tab_to(page, "id_line_user_id")
    page.keyboard.press("Enter")  # Enter submits the form

    expect(page).to_have_url(re.compile(r"/cases/clients/\d+/$"))
    expect(page.get_by_role("status").first).to_contain_text(
        "みおりさんを登録し、相談を記録しました。"
    )
    assert time.monotonic() - started < 60

    her = Client.objects.get(nickname="みおり")
    consultation = her.consultations.get()
    assert consultation.kind == Consultation.Kind.LINE
    assert consultation.main_concern == Consultation.MainConcern.DV_SPOUSE
    assert consultation.topics == [Consultation.Topic.POVERTY]
    assert consultation.summary == "夫から逃げたい。今夜泊まる場所がない。"
    assert list(her.counselors.all()) == [counselor]


def test_intake_errors_are_announced_and_tied_to_fields(login, counselor):
    page = login(counselor)
    page.goto("/cases/intake/new/")
    page.get_by_label("ニックネーム").press("Enter")  # nothing filled in

    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("まだ保存されていません")
    expect(summary).to_be_focused()
    nickname = page.get_by_label("ニックネーム")
    expect(nickname).to_have_attribute("aria-invalid", "true")
    described = nickname.get_attribute("aria-describedby") or ""
    error_id = next(i for i in described.split() if i.endswith("_error"))
    expect(page.locator(f"#{error_id}")).to_contain_text("このフィールドは必須です")
    assert not Client.objects.exists()
