"""Passkeys in real Chromium with its virtual authenticator (DevTools' WebAuthn domain): after
the password and a code she adds a passkey on her passkeys page, then signs in again with the
password and the passkey as the second step, all under the strict CSP (static/js/passkeys.js,
nothing inline)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from django_otp_webauthn.models import WebAuthnCredential
from playwright.sync_api import expect

from conftest import csp_violations, totp_code, totp_device, watch_page

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def localhost_page(browser, live_server, settings):
    """A page on http://localhost:<port>: WebAuthn needs a host name (the relying party id),
    never an IP address, so the live server is reached by name and the relying party is
    localhost with that origin."""
    port = urlsplit(live_server.url).port
    origin = f"http://localhost:{port}"
    settings.OTP_WEBAUTHN_RP_ID = "localhost"
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [origin]
    context = browser.new_context(locale="ja-JP", timezone_id="Asia/Tokyo", base_url=origin)
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()


def _password_step(page, user, password) -> None:
    page.goto("/accounts/login/")
    page.get_by_label("ユーザー名").fill(user.username)
    page.get_by_label("パスワード").fill(password)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url(re.compile(r"/accounts/mfa/\?"))


def test_she_adds_a_passkey_then_signs_in_with_it_as_the_second_step(
    localhost_page, counselor, password
):
    page = localhost_page
    problems = watch_page(page)
    cdp = page.context.new_cdp_session(page)
    cdp.send("WebAuthn.enable")
    authenticator = cdp.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )["authenticatorId"]

    # Signed in with the password and a code from her authenticator app; no passkey offered.
    device = totp_device(counselor)
    _password_step(page, counselor, password)
    expect(page.locator("[data-passkey-verify]")).to_have_count(0)
    page.locator("input[name=code]").fill(totp_code(device))
    page.locator("input[name=code]").press("Enter")
    page.wait_for_url(re.compile(r"/$"))

    # Settings -> passkeys: she names one and adds it.
    page.goto("/accounts/profile/")
    page.locator("main a[href='/accounts/mfa/passkeys/']").click()
    page.wait_for_url(re.compile(r"/accounts/mfa/passkeys/$"))
    expect(page.locator("#passkey-none")).to_be_visible()
    page.locator("#passkey-name").fill("仕事のパソコン")
    page.locator("#passkey-add [data-passkey-start]").click()
    expect(page.locator("#passkey-list [data-passkey-name]")).to_have_text(["仕事のパソコン"])
    csp_violations(page, problems)
    credential = WebAuthnCredential.objects.get(user=counselor)
    assert credential.name == "仕事のパソコン" and credential.last_used_at is None
    stored = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})
    assert len(stored["credentials"]) == 1 and stored["credentials"][0]["rpId"] == "localhost"

    # Signed out, then in again: the password, and the passkey instead of a code.
    page.context.clear_cookies()
    page.goto("/accounts/login/?next=/cases/")
    page.get_by_label("ユーザー名").fill(counselor.username)
    page.get_by_label("パスワード").fill(password)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url(re.compile(r"/accounts/mfa/\?"))
    verify = page.locator("[data-passkey-verify]")
    expect(verify).to_be_visible()  # shown by the script: the browser can use passkeys
    verify.locator("[data-passkey-start]").click()

    page.wait_for_url(re.compile(r"/cases/$"))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    csp_violations(page, problems)
    credential.refresh_from_db()
    assert credential.last_used_at is not None
    assert problems == []
