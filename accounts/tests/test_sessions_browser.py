"""The idle warning in a real browser: it appears before the deadline, "stay signed in"
extends the session on the server, and at the deadline the page goes to sign in."""

from __future__ import annotations

import time

from audit.models import SecurityEvent

IDLE_SECONDS = 12  # the warning comes halfway, at 6 s


def test_the_idle_warning_appears_and_stay_signed_in_works(settings, login, counselor):
    settings.SESSION_IDLE_MINUTES = IDLE_SECONDS / 60
    page = login(counselor)
    page.goto("/")
    loaded = time.monotonic()
    warning = page.locator("#session-timeout-warning")
    warning.wait_for(state="visible", timeout=IDLE_SECONDS * 1000)
    assert "0:0" in warning.inner_text()  # the countdown
    page.locator("[data-session-stay]").click()
    warning.wait_for(state="hidden")
    # Past the first deadline: only the keep-alive can have kept the session.
    time.sleep(max(0.0, loaded + IDLE_SECONDS + 1 - time.monotonic()))
    page.reload()
    assert "/accounts/login/" not in page.url
    # Left alone, the page goes to sign in and the server says why.
    page.wait_for_url("**/accounts/login/**", timeout=(IDLE_SECONDS + 5) * 1000)
    assert SecurityEvent.objects.filter(
        kind="session_expired", user=counselor, detail="idle"
    ).exists()
    assert page.locator(".alert").count() >= 1
