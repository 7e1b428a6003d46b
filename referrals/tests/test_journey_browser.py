"""A referral from start to finish in Chromium: a counselor records her consent on the client
page, refers her from the case to a food pantry, sends it, logs the pantry's acceptance, books an
accompaniment from the referral and records it as held. The provision record exists and is in
the supervisor's export; a merge of two client records moves the referral."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.tests.factories import PASSWORD
from cases.services import cases as case_services
from cases.services.clients import client_merge
from cases.tests.factories import ClientFactory
from conftest import csp_violations, screenshot, totp_code, totp_device, watch_page
from referrals.models import Accompaniment, ProvisionRecord, Referral
from referrals.selectors import provision_records
from referrals.tests.factories import PartnerFactory

pytestmark = pytest.mark.django_db(transaction=True)

WIDE = {"width": 1280, "height": 900}


def _local(moment: datetime.datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def test_consent_referral_acceptance_and_accompaniment(
    page, login, counselor, supervisor, browser, live_server
):
    her = ClientFactory(counselors=[counselor], nickname="ひなた")
    case = case_services.case_open(client=her, by=counselor, title="食料の確保")
    pantry = PartnerFactory(name="なにわフードパントリー（架空）", address="大阪市浪速区1-1")
    problems = watch_page(page)
    page.set_viewport_size(WIDE)
    login(counselor)

    # Her consent, on her page: what may be shared, when and how she agreed.
    page.goto(f"/cases/clients/{her.pk}/")
    page.locator("#client-consents").get_by_role("link", name="本人同意を記録").click()
    page.get_by_label("方法").select_option("line")
    page.get_by_label("呼び名").check()
    page.get_by_label("状況", exact=True).check()
    page.get_by_role("button", name="同意を記録").click()
    expect(page.get_by_role("status")).to_contain_text("情報共有への本人同意を記録しました")
    expect(page.locator("#client-consents")).to_contain_text("共有してよい情報：呼び名、状況")

    # The referral, from her case.
    page.goto(f"/cases/{case.pk}/")
    page.get_by_role("link", name="連携団体につなぐ").click()
    page.get_by_label("連携団体").select_option(str(pantry.pk))
    page.get_by_label("つなぐ理由").fill("今月の食料が足りない")
    page.get_by_label("呼び名").check()
    page.get_by_label("状況", exact=True).check()
    page.get_by_role("button", name="下書きとして保存").click()
    expect(page.locator("#referral-status")).to_have_text("作成中")
    csp_violations(page, problems)
    screenshot(page, "referral-draft")

    page.get_by_role("button", name="送付する").click()
    expect(page.get_by_role("status")).to_contain_text("送付しました")
    expect(page.locator("#referral-status")).to_have_text("依頼済")
    expect(page.locator("#referral-provisions")).to_contain_text("なにわフードパントリー（架空）")

    page.locator("summary", has_text="受入の連絡があった").click()
    page.get_by_label("備考").fill("電話で受入の連絡")
    page.get_by_role("button", name="受入の連絡があった", exact=True).click()
    expect(page.locator("#referral-status")).to_have_text("受入")

    # Going with her: booked from the referral, then recorded as held.
    page.get_by_role("link", name="同行支援を予約").click()
    starts = timezone.now() + datetime.timedelta(days=1)
    page.get_by_label("開始日時").fill(_local(starts))
    expect(page.get_by_label("場所")).to_have_value("大阪市浪速区1-1")
    page.get_by_role("button", name="予約する").click()
    expect(page.locator("#accompaniment-status")).to_have_text("予定")
    page.get_by_label("結果").fill("パントリーで食料を受け取った")
    page.get_by_role("button", name="実施を記録").click()
    expect(page.locator("#accompaniment-status")).to_have_text("実施")
    csp_violations(page, problems)
    screenshot(page, "accompaniment-held")

    # The board shows it accepted.
    page.goto("/referrals/")
    expect(page.locator('[data-board-column="accepted"]')).to_contain_text(
        "なにわフードパントリー（架空）"
    )
    csp_violations(page, problems)
    screenshot(page, "referral-board")
    assert problems == []

    referral = Referral.objects.get(case=case)
    assert referral.status == Referral.Status.ACCEPTED
    record = ProvisionRecord.objects.get(referral=referral)
    assert record.items == ["nickname", "situation"] and record.basis == "consent"
    assert Accompaniment.objects.get(referral=referral).status == Accompaniment.Status.HELD

    # The supervisor finds the provision in her export of the woman's records.
    context = browser.new_context(
        locale="ja-JP", timezone_id="Asia/Tokyo", base_url=live_server.url
    )
    other = context.new_page()
    other.set_viewport_size(WIDE)
    device = totp_device(supervisor)
    other.goto("/accounts/login/")
    other.get_by_label("ユーザー名").fill(supervisor.username)
    other.get_by_label("パスワード").fill(PASSWORD)
    other.get_by_role("button", name="ログイン").click()
    other.wait_for_url("**/accounts/mfa/**")
    other.locator("input[name=code]").fill(totp_code(device))
    other.locator("input[name=code]").press("Enter")
    other.wait_for_url("**/")
    other.goto(f"/referrals/provisions/?client={her.pk}")
    expect(other.locator("#provision-table")).to_contain_text("なにわフードパントリー（架空）")
    screenshot(other, "provision-records")
    with other.expect_download() as download:
        other.locator("#provision-export").click()
    rows = list(csv.reader(io.StringIO(open(download.value.path(), encoding="utf-8-sig").read())))
    assert rows[1][1] == "なにわフードパントリー（架空）" and rows[1][3] == str(her.pk)
    context.close()

    # Her record merged into another moves the referral to the kept record; the provision
    # record is append-only and stays as written, and the kept record's list finds it.
    kept = ClientFactory(counselors=[counselor], nickname="ひなた（統合先）")
    client_merge(kept=kept, merged=her, by=supervisor)
    referral.refresh_from_db()
    assert referral.client_id == kept.pk
    assert list(provision_records(supervisor, client=kept)) == [record]
