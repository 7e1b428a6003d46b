"""First sign-in in real Chromium: password, enrolment with a code computed from the secret
shown on the page, the backup codes once, then home."""

from __future__ import annotations

import re
import time
from base64 import b32decode

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_first_login_enrols_shows_backup_codes_and_lands_home(page, counselor, password):
    page.goto("/accounts/login/")
    page.get_by_label("ユーザー名").fill(counselor.username)
    page.get_by_label("パスワード").fill(password)
    page.get_by_role("button", name="ログイン").click()

    expect(page).to_have_url(re.compile(r"/accounts/mfa/enrol/"))
    expect(page.locator("svg.segno")).to_be_visible()  # the QR code, inline
    secret = page.locator("#mfa-secret").inner_text()
    totp = TOTP(b32decode(secret.replace(" ", "")))
    totp.time = time.time()
    page.locator("input[name=code]").fill(f"{totp.token():06d}")
    page.locator("input[name=code]").press("Enter")

    expect(page).to_have_url(re.compile(r"/accounts/mfa/backup-codes/"))
    expect(page.locator("#backup-codes li")).to_have_count(10)
    page.locator("main a.btn-primary").click()

    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert TOTPDevice.objects.get(user=counselor).confirmed
    # The codes were shown once: the page does not show them again.
    page.goto("/accounts/mfa/backup-codes/")
    expect(page).to_have_url(re.compile(r"/$"))
