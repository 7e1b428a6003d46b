"""Lockout after 6 failed sign-ins per username and address, recorded as security events."""

from __future__ import annotations

import re

import pytest
from axes.models import AccessAttempt
from django.db import connection

from audit.models import SecurityEvent

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def _fail(client, username, times):
    return [
        client.post(LOGIN, {"username": username, "password": "wrong-Password-77"}).status_code
        for _ in range(times)
    ]


def _columns_text() -> str:
    """Every column of every security-event row and axes' own rows, as text."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT t::text FROM audit_securityevent t")
        rows = [r[0] for r in cursor.fetchall()]
        cursor.execute("SELECT t::text FROM axes_accessattempt t")
        rows += [r[0] for r in cursor.fetchall()]
    return "\n".join(rows)


def test_six_failures_lock_the_username_and_address_and_each_is_recorded(client, counselor):
    statuses = _fail(client, counselor.username, 6)

    assert statuses[:5] == [200] * 5
    assert statuses[5] == 429  # the sixth failure locks
    failed = SecurityEvent.objects.filter(kind="login_failed", username=counselor.username)
    assert failed.count() == 6
    assert set(failed.values_list("user", flat=True)) == {counselor.pk}
    assert all(e.ip == "127.0.0.1" and e.request_id for e in failed)
    locked = SecurityEvent.objects.get(kind="locked_out")
    assert locked.user == counselor and locked.username == counselor.username
    assert "wrong-Password-77" not in _columns_text()


def test_the_right_password_is_refused_while_locked(client, counselor, password):
    _fail(client, counselor.username, 6)

    response = client.post(LOGIN, {"username": counselor.username, "password": password})

    assert response.status_code == 429
    assert "_auth_user_id" not in client.session
    assert password not in _columns_text()
    assert SecurityEvent.objects.filter(kind="locked_out").count() == 1  # one lockout
    assert SecurityEvent.objects.filter(kind="login_failed", detail="while locked").exists()


def test_the_lockout_page_does_not_tell_whether_the_account_exists(client, counselor):
    _fail(client, counselor.username, 6)
    real = client.post(LOGIN, {"username": counselor.username, "password": "x"})
    _fail(client, "nobody-here", 6)
    invented = client.post(LOGIN, {"username": "nobody-here", "password": "x"})

    assert real.status_code == invented.status_code == 429

    def main(response) -> str:  # the page's own words (tokens and nonces differ per request)
        return re.search(r"<main.*</main>", response.content.decode(), re.S).group(0)

    assert main(real) == main(invented)
    invented_events = SecurityEvent.objects.filter(username="nobody-here", user=None)
    assert invented_events.filter(kind="login_failed").count() == 7
    assert invented_events.filter(kind="locked_out").count() == 1


def test_another_address_is_not_locked(client, counselor, password):
    _fail(client, counselor.username, 6)

    response = client.post(
        LOGIN, {"username": counselor.username, "password": password}, REMOTE_ADDR="10.0.0.9"
    )

    assert response.status_code == 302
    # A forged X-Forwarded-For does not pick a fresh address for the locked pair.
    forged = client.__class__().post(
        LOGIN,
        {"username": counselor.username, "password": "bad"},
        HTTP_X_FORWARDED_FOR="192.0.2.1",
    )
    assert forged.status_code == 429


def test_a_supervisor_unlocks_her_and_it_is_recorded(client, counselor, supervisor, password):
    _fail(client, counselor.username, 6)
    admin = client.__class__()
    admin.force_login(supervisor)

    response = admin.post(
        "/admin/accounts/user/",
        {"action": "unlock", "_selected_action": [counselor.pk]},
    )

    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username=counselor.username).exists()
    event = SecurityEvent.objects.get(kind="unlocked")
    assert event.user == counselor and event.actor == supervisor
    signed_in = client.post(LOGIN, {"username": counselor.username, "password": password})
    assert signed_in.status_code == 302


def test_a_counselor_cannot_unlock(client, counselor, colleague):
    _fail(client, colleague.username, 6)
    other = client.__class__()
    other.force_login(counselor)

    other.post("/admin/accounts/user/", {"action": "unlock", "_selected_action": [colleague.pk]})

    assert AccessAttempt.objects.filter(username=colleague.username).exists()
    assert not SecurityEvent.objects.filter(kind="unlocked").exists()


def test_a_success_forgets_the_earlier_failures(client, counselor, password):
    _fail(client, counselor.username, 5)
    client.post(LOGIN, {"username": counselor.username, "password": password})
    client.post("/accounts/logout/")

    assert _fail(client, counselor.username, 5) == [200] * 5
