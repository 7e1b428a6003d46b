"""The security journey in Chromium: a counselor's first sign-in enrols her authenticator; she
opens, by break-glass and with a reason, the record of a woman she has not taken on; the
supervisor then sees that opening in the review list and in "who accessed this record"."""

from __future__ import annotations

import re
import time
from base64 import b32decode

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import Page, expect

from audit.models import AccessLog, BreakGlassAccess, SecurityEvent
from cases.tests.factories import ClientFactory
from conftest import csp_violations, screenshot, watch_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

REASON = "夜間に本人から連絡があり、担当者不在のため過去の相談内容を確認する"


def _shot(page: Page, name: str, problems: list[str]) -> None:
    csp_violations(page, problems)
    screenshot(page, f"security-{name}")


def test_enrolment_then_break_glass_then_the_supervisors_review(
    page, login, counselor, supervisor, password
):
    her = ClientFactory(nickname="あおい")  # in the intake queue: nobody has taken her on
    problems = watch_page(page)

    # --- first sign-in: password, then the authenticator is set up -------------------------
    page.goto("/accounts/login/")
    page.get_by_label("ユーザー名").fill(counselor.username)
    page.get_by_label("パスワード").fill(password)
    page.get_by_role("button", name="ログイン").click()
    expect(page).to_have_url(re.compile(r"/accounts/mfa/enrol/"))
    expect(page.locator("svg.segno")).to_be_visible()
    _shot(page, "01-enrol", problems)
    secret = page.locator("#mfa-secret").inner_text()
    totp = TOTP(b32decode(secret.replace(" ", "")))
    totp.time = time.time()
    page.locator("input[name=code]").fill(f"{totp.token():06d}")
    page.locator("input[name=code]").press("Enter")
    expect(page.locator("#backup-codes li")).to_have_count(10)
    page.locator("main a.btn-primary").click()
    expect(page).to_have_url(re.compile(r"/$"))
    assert SecurityEvent.objects.filter(user=counselor, kind="mfa_enrolled").exists()

    # --- the intake search shows her as a minimal line, not the record -----------------------
    page.goto("/cases/intake/")
    page.locator("#intake-q").fill("あおい")
    page.locator("#intake-q").press("Enter")
    line = page.locator(".intake-line", has_text="あおい")
    expect(line).to_have_count(1)
    _shot(page, "02-intake-line", problems)
    line.get_by_role("link", name=re.compile("緊急アクセス")).click()

    # A reason is required: without one the form comes back and nothing opens.
    page.get_by_role("button", name="記録を開く").click()
    expect(page.locator("#reason-errors")).to_be_visible()
    assert not BreakGlassAccess.objects.exists()
    page.get_by_label("今この方の記録を開く必要がある理由").fill(REASON)
    _shot(page, "03-break-glass-reason", problems)
    page.get_by_role("button", name="記録を開く").click()
    expect(page).to_have_url(re.compile(rf"/cases/clients/{her.pk}/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("あおい")
    expect(page.get_by_text(re.compile("緊急アクセスで"))).to_be_visible()  # the banner
    _shot(page, "04-opened-by-break-glass", problems)
    grant = BreakGlassAccess.objects.get()
    assert (grant.user, grant.object_id, grant.reason) == (counselor, str(her.pk), REASON)
    assert AccessLog.objects.filter(
        user=counselor, action="view", object_type="cases.client", object_id=str(her.pk)
    ).exists()

    # --- she signs out; the supervisor signs in (password and code) ---------------------------
    page.locator("#user-menu").click()
    page.get_by_role("button", name="ログアウト").click()
    login(supervisor)

    nav = page.get_by_role("navigation", name="メインナビゲーション")
    nav.locator("#supervisor-menu").click()
    nav.get_by_role("link", name="緊急アクセス一覧").click()
    row = page.locator("tr", has_text=REASON)
    expect(row).to_have_count(1)
    expect(row).to_contain_text(counselor.username)
    _shot(page, "05-break-glass-list", problems)

    # Her record: who accessed it, with the counselor's login name and role.
    row.get_by_role("link", name=f"No.{her.pk}").click()
    section = page.locator("#record-access-section")
    expect(section).to_be_visible()
    expect(section.locator("tr", has_text=counselor.username).first).to_be_visible()
    _shot(page, "06-who-accessed", problems)
    section.locator("#record-access-all").click()
    expect(page.locator("#review-about")).to_contain_text(f"No.{her.pk}")
    expect(page.locator("tbody tr", has_text=counselor.username).first).to_be_visible()
    _shot(page, "07-access-review", problems)

    # Nothing refused by the CSP, no script error, no failed request on the way, except the
    # one form sent back without its reason (400, by design).
    assert [p for p in problems if "400" not in p] == []
