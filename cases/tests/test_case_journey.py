"""A counselor works a case in the browser; a supervisor approves closing it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from cases.models import Case, CaseNote
from cases.services import cases as services
from cases.tests.factories import ClientFactory


@pytest.mark.django_db(transaction=True)
def test_counselor_writes_and_corrects_a_note_and_a_supervisor_closes(
    page, login, counselor, supervisor
):
    case = services.case_open(
        client=ClientFactory(counselors=[counselor], nickname="ひまわり"), by=counselor
    )

    login(counselor)
    page.goto("/cases/")
    page.get_by_role("link", name=f"#{case.pk}").click()
    expect(page.get_by_role("heading", name=f"ケース #{case.pk}")).to_be_visible()

    page.locator("summary", has_text="ケース記録を追加").click()  # forms open on demand
    page.get_by_role("textbox", name="ケース記録").fill("区役所の窓口に同行した")
    page.get_by_role("button", name="記録を追加", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("記録を追加しました")
    expect(page.locator(".timeline")).to_contain_text("区役所の窓口に同行した")

    page.get_by_text("この記録を訂正する").click()
    page.get_by_label("訂正後の記録").fill("区役所に電話で相談した")
    page.get_by_role("button", name="訂正を保存").click()
    expect(page.locator(".timeline")).to_contain_text("区役所に電話で相談した")
    expect(page.locator(".timeline")).to_contain_text("区役所の窓口に同行した")

    page.locator("summary", has_text="状態を変更").click()
    page.get_by_role("button", name="「支援中」にする").click()
    expect(page.get_by_role("status")).to_contain_text("状態を変更しました")

    page.locator("summary", has_text="終結を申請").click()
    page.get_by_label("終結の理由").select_option("resolved")
    page.get_by_role("button", name="終結を申請").click()
    expect(page.get_by_text("終結はスーパーバイザーの承認待ちです")).to_be_visible()

    page.context.clear_cookies()
    login(supervisor)
    page.goto("/cases/closing/")
    expect(page.get_by_role("heading", name=re.compile("ひまわり"))).to_be_visible()
    page.get_by_label("判断").select_option("approve")
    page.get_by_role("button", name="判断を記録する").click()
    expect(page.get_by_role("status")).to_contain_text("終結を承認しました")

    case.refresh_from_db()
    assert case.status == Case.Status.CLOSED
    assert CaseNote.objects.filter(case=case).count() == 2
