"""Sessions end on the server: idle and absolute limits, all of a user's sessions ended on
deactivation, a password change or by a supervisor, and flash messages kept server-side."""

from __future__ import annotations

import time

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts import sessions
from accounts.models import UserSession
from audit.models import SecurityEvent
from cases.tests.test_clients_views import _intake_post

pytestmark = pytest.mark.django_db

HOME = "/"
KEEPALIVE = "/accounts/session/keepalive/"


def signed_in(user) -> Client:
    browser = Client()
    browser.force_login(user)
    return browser


def shift(browser: Client, key: str, seconds_ago: float) -> None:
    session = browser.session
    session[key] = time.time() - seconds_ago
    session.save()


def test_signing_in_gives_a_new_session_key_and_a_session_row(client, counselor, password):
    session = client.session
    session["before"] = True
    session.save()
    before = session.session_key
    client.post("/accounts/login/", {"username": counselor.username, "password": password})
    after = client.session.session_key
    assert after != before
    assert client.session[SESSION_KEY] == str(counselor.pk)
    assert not Session.objects.filter(session_key=before).exists()
    assert UserSession.objects.get(user=counselor).session_key == after


def test_logout_removes_the_session_row(counselor):
    browser = signed_in(counselor)
    assert UserSession.objects.filter(user=counselor).count() == 1
    browser.post("/accounts/logout/")
    assert not UserSession.objects.filter(user=counselor).exists()


def test_an_idle_session_is_ended_with_a_reason_and_a_security_event(counselor):
    browser = signed_in(counselor)
    key = browser.session.session_key
    shift(browser, sessions.LAST_ACTIVITY, 30 * 60 + 1)
    response = browser.get("/cases/clients/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/cases/clients/")
    assert SESSION_KEY not in browser.session
    assert not Session.objects.filter(session_key=key).exists()
    assert not UserSession.objects.filter(user=counselor).exists()
    event = SecurityEvent.objects.get(kind="session_expired", user=counselor)
    assert event.detail == "idle"
    page = browser.get(response["Location"]).content.decode()
    assert "30" in page and counselor.display_name not in page


def test_an_active_session_still_ends_at_the_absolute_limit(counselor):
    browser = signed_in(counselor)
    shift(browser, sessions.STARTED_AT, 10 * 3600)
    response = browser.get(HOME)
    assert response.status_code == 302 and SESSION_KEY not in browser.session
    assert SecurityEvent.objects.get(kind="session_expired", user=counselor).detail == "absolute"


def test_the_keepalive_extends_idle_but_not_absolute(counselor):
    browser = signed_in(counselor)
    shift(browser, sessions.LAST_ACTIVITY, 29 * 60)
    shift(browser, sessions.STARTED_AT, 10 * 3600 - 120)
    answer = browser.post(KEEPALIVE, headers={"accept": "application/json"})
    assert answer.status_code == 200
    assert answer.json()["idle"] >= 30 * 60 - 2
    assert answer.json()["absolute"] <= 120
    assert time.time() - browser.session[sessions.LAST_ACTIVITY] < 5
    shift(browser, sessions.STARTED_AT, 10 * 3600 + 1)
    answer = browser.post(KEEPALIVE, headers={"accept": "application/json"})
    assert answer.status_code == 401 and answer.json()["signed_out"] is True
    assert SESSION_KEY not in browser.session


def test_the_keepalive_answers_only_a_post(counselor):
    assert signed_in(counselor).get(KEEPALIVE).status_code == 405


def test_a_background_read_is_not_activity_but_a_navigation_is(counselor):
    browser = signed_in(counselor)
    shift(browser, sessions.LAST_ACTIVITY, 20 * 60)
    stamp = browser.session[sessions.LAST_ACTIVITY]
    assert browser.get(HOME, headers={"sec-fetch-mode": "cors"}).status_code == 200
    assert browser.session[sessions.LAST_ACTIVITY] == stamp
    assert browser.get(HOME, headers={"sec-fetch-mode": "navigate"}).status_code == 200
    assert browser.session[sessions.LAST_ACTIVITY] > stamp


def test_a_background_read_after_the_limit_answers_401(counselor):
    browser = signed_in(counselor)
    shift(browser, sessions.LAST_ACTIVITY, 31 * 60)
    response = browser.get(HOME, headers={"sec-fetch-mode": "cors"})
    assert response.status_code == 401 and response.json()["login_url"] == "/accounts/login/"


def test_activity_within_a_minute_writes_nothing(counselor):
    browser = signed_in(counselor)
    browser.get(HOME)
    with CaptureQueriesContext(connection) as queries:
        assert browser.get(HOME).status_code == 200
    writes = [q["sql"] for q in queries if q["sql"].startswith(("UPDATE", "INSERT"))]
    assert not [w for w in writes if "django_session" in w or "accounts_usersession" in w]


def test_the_page_carries_the_limits_for_the_warning(counselor):
    page = signed_in(counselor).get(HOME).content.decode()
    assert 'data-session-keepalive="/accounts/session/keepalive/"' in page
    assert 'data-session-warning="180"' in page
    assert "js/session-timeout.js" in page


def test_deactivation_ends_every_session(counselor):
    one, two = signed_in(counselor), signed_in(counselor)
    counselor.is_active = False
    counselor.save()
    assert not UserSession.objects.filter(user=counselor).exists()
    for browser in (one, two):
        assert browser.get(HOME).status_code == 302
    assert SecurityEvent.objects.filter(kind="user_deactivated", user=counselor).exists()
    assert SecurityEvent.objects.get(kind="sessions_ended", user=counselor).detail == (
        "deactivated: 2"
    )


def test_a_password_change_keeps_this_session_and_ends_the_others(counselor, password):
    mine, other = signed_in(counselor), signed_in(counselor)
    new = "a-much-longer-passphrase-42"
    response = mine.post(
        "/accounts/password/",
        {"old_password": password, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    assert mine.get(HOME).status_code == 200
    assert other.get(HOME).status_code == 302
    row = UserSession.objects.get(user=counselor)
    assert row.session_key == mine.session.session_key  # followed the cycled key
    assert SecurityEvent.objects.get(kind="sessions_ended", user=counselor).detail == (
        "password_changed: 1"
    )
    assert SecurityEvent.objects.get(kind="password_changed", user=counselor).actor == counselor


def test_a_login_rehashing_the_same_password_ends_nothing(counselor, password):
    other = signed_in(counselor)
    counselor.set_password(password)
    counselor.save(update_fields=["password"])
    assert not SecurityEvent.objects.filter(kind="sessions_ended").exists()
    assert UserSession.objects.filter(user=counselor).count() == 1
    assert other.get(HOME).status_code in (200, 302)


def test_a_supervisor_sees_and_ends_another_users_sessions(counselor, supervisor):
    hers = signed_in(counselor)
    boss = signed_in(supervisor)
    page = boss.get(f"/admin/accounts/user/{counselor.pk}/change/").content.decode()
    assert hers.session.session_key not in page  # a credential, never shown
    response = boss.post(
        "/admin/accounts/user/", {"action": "end_sessions", "_selected_action": [counselor.pk]}
    )
    assert response.status_code == 302
    assert hers.get(HOME).status_code == 302
    event = SecurityEvent.objects.get(kind="sessions_ended", user=counselor)
    assert event.actor == supervisor and event.detail == "by_supervisor: 1"
    assert boss.get(HOME).status_code == 200


def test_a_counselor_cannot_end_sessions(counselor, colleague):
    signed_in(colleague)
    mine = signed_in(counselor)
    mine.post(
        "/admin/accounts/user/", {"action": "end_sessions", "_selected_action": [colleague.pk]}
    )
    assert UserSession.objects.filter(user=colleague).count() == 1


def test_flash_messages_never_travel_in_a_cookie(counselor):
    browser = signed_in(counselor)
    saved = browser.post("/cases/intake/new/", _intake_post(counselor))
    shown = browser.get(saved["Location"])
    assert "れんげ" in shown.content.decode()  # the flash message names her
    for response in (saved, shown):
        assert "messages" not in response.cookies
        assert all("れんげ" not in morsel.value for morsel in response.cookies.values())
    assert "messages" not in browser.cookies
