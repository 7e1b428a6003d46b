"""Two-step sign-in: enrolment on first login, a TOTP code (computed from the device key with
django_otp.oath) or a single-use backup code afterwards, and nothing reachable before it."""

from __future__ import annotations

import re
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.test import Client as HttpClient
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit.models import SecurityEvent
from cases.tests.factories import CaseFactory, ClientFactory
from conftest import totp_code, totp_device

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def _password_step(http, user, password):
    response = http.post(LOGIN, {"username": user.username, "password": password})
    assert response.status_code == 302
    return response


def _code_for(secret_text: str) -> str:
    """What an authenticator app shows for the secret she typed in by hand."""
    from base64 import b32decode

    totp = TOTP(b32decode(secret_text.replace(" ", "")))
    totp.time = time.time()
    return f"{totp.token():06d}"


def test_first_login_enrols_an_authenticator_then_shows_backup_codes_once(
    client, counselor, password
):
    response = _password_step(client, counselor, password)
    assert response["Location"].startswith("/accounts/mfa/enrol/")

    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200 and "<svg" in html
    secret = re.search(r'<code id="mfa-secret"[^>]*>([A-Z2-7 ]+)</code>', html).group(1)

    confirmed = client.post(response["Location"], {"code": _code_for(secret)})
    assert confirmed.status_code == 302
    assert confirmed["Location"].startswith("/accounts/mfa/backup-codes/")
    codes_page = client.get(confirmed["Location"]).content.decode()
    codes = re.findall(r"<li>([a-z2-7]{8})</li>", codes_page)
    assert len(codes) == settings.MFA_BACKUP_CODE_COUNT
    # Shown once: the page does not show them again.
    assert client.get(confirmed["Location"]).status_code == 302
    device = TOTPDevice.objects.get(user=counselor)
    assert device.confirmed
    assert client.get("/").status_code == 200  # verified now
    kinds = set(SecurityEvent.objects.filter(user=counselor).values_list("kind", flat=True))
    assert {"mfa_enrolled", "backup_codes_issued"} <= kinds


def test_a_wrong_enrolment_code_is_refused(client, counselor, password):
    _password_step(client, counselor, password)

    response = client.post("/accounts/mfa/enrol/", {"code": "000000"})

    assert response.status_code == 400
    assert not TOTPDevice.objects.filter(user=counselor).exists()
    assert client.get("/")["Location"].startswith("/accounts/mfa/enrol/")


def test_later_logins_ask_for_a_real_totp_code(client, counselor, password):
    device = totp_device(counselor)
    response = _password_step(client, counselor, password)
    assert response["Location"].startswith("/accounts/mfa/?")

    verified = client.post(response["Location"], {"code": totp_code(device)})

    assert verified.status_code == 302 and verified["Location"] == "/"
    assert client.get("/").status_code == 200


def test_a_wrong_code_is_refused_and_recorded_without_the_code(client, counselor, password):
    totp_device(counselor)
    _password_step(client, counselor, password)

    response = client.post("/accounts/mfa/", {"code": "123456"})

    assert response.status_code == 400
    event = SecurityEvent.objects.get(kind="mfa_failed")
    assert event.user == counselor and "123456" not in f"{event.detail}{event.username}"
    assert client.get("/")["Location"].startswith("/accounts/mfa/")


def test_six_wrong_codes_lock_the_sign_in(client, counselor, password):
    totp_device(counselor)
    _password_step(client, counselor, password)

    statuses = [client.post("/accounts/mfa/", {"code": "12345x"}).status_code for _ in range(6)]

    assert statuses[-1] == 429 and 429 not in statuses[:-1]
    assert "_auth_user_id" not in client.session  # signed out
    assert SecurityEvent.objects.filter(kind="locked_out", user=counselor).count() == 1
    again = client.post(LOGIN, {"username": counselor.username, "password": password})
    assert again.status_code == 429


def test_a_backup_code_works_once(client, counselor, password):
    from accounts import mfa

    totp_device(counselor)
    _password_step(client, counselor, password)
    request = type("R", (), {"META": {}, "request_id": ""})()
    codes = mfa.mfa_backup_codes_issue(request=request, user=counselor)

    assert client.post("/accounts/mfa/", {"code": codes[0]}).status_code == 302
    assert client.get("/").status_code == 200
    assert not StaticToken.objects.filter(token=codes[0]).exists()

    other = HttpClient()
    _password_step(other, counselor, password)
    time.sleep(1.1)  # past django-otp's throttle of nothing: a fresh device state
    assert other.post("/accounts/mfa/", {"code": codes[0]}).status_code == 400
    assert other.get("/").status_code == 302


def test_an_unverified_session_reaches_no_case_page_nor_the_admin(
    client, counselor, supervisor, password
):
    her = ClientFactory(counselors=[counselor])
    case = CaseFactory(client=her, counselors=[counselor], opened_by=counselor)
    totp_device(counselor)
    _password_step(client, counselor, password)

    for url in [f"/cases/clients/{her.pk}/", f"/cases/{case.pk}/", "/cases/", "/"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/mfa/"), url

    admin = HttpClient()
    totp_device(supervisor)
    # The admin's own login form only does the password step.
    admin.post("/admin/login/", {"username": supervisor.username, "password": password})
    for url in ["/admin/", "/admin/accounts/user/", "/admin/cases/client/"]:
        response = admin.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/mfa/"), url


def test_a_supervisor_resets_her_mfa_and_she_enrols_again(client, counselor, supervisor, password):
    totp_device(counselor)
    her = HttpClient()
    her.force_login(counselor)
    assert her.get("/").status_code == 200
    client.force_login(supervisor)

    response = client.post(
        "/admin/accounts/user/", {"action": "reset_mfa", "_selected_action": [counselor.pk]}
    )

    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=counselor).exists()
    event = SecurityEvent.objects.get(kind="mfa_reset")
    assert event.user == counselor and event.actor == supervisor
    assert her.get("/")["Location"].startswith("/accounts/mfa/enrol/")


def test_new_backup_codes_replace_the_old_from_a_verified_session(client, counselor):
    client.force_login(counselor)

    first = client.post("/accounts/mfa/backup-codes/", {"next": "/accounts/profile/"})
    old = re.findall(r"<li>([a-z2-7]{8})</li>", client.get(first["Location"]).content.decode())
    client.post("/accounts/mfa/backup-codes/", {"next": "/accounts/profile/"})

    assert len(old) == 10
    assert not StaticToken.objects.filter(token__in=old).exists()
    assert SecurityEvent.objects.filter(kind="backup_codes_issued", user=counselor).count() == 2


def test_settings_refuse_mfa_off_when_debug_is_off():
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "tsunagari.settings",
        "DEBUG": "false",
        "MFA_REQUIRED": "false",
        "SECRET_KEY": "k3v-7Qz!p0-production-only-secret-with-enough-entropy-8fJ2",
        "ALLOWED_HOSTS": "tsunagari.example.org",
        "EMAIL_URL": "smtp://mail.example.org:587",
        "DATABASE_URL": "postgres://tsunagari@db.example.org:5432/tsunagari",
        "REDIS_URL": "redis://redis.example.org:6379/0",
    }
    code = (
        "import environ; environ.Env.read_env = classmethod(lambda cls, *a, **k: None); "
        "import django; django.setup()"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured: MFA_REQUIRED=false" in result.stderr.strip().splitlines()[-1]
    relaxed = subprocess.run(
        [sys.executable, "-c", code],
        cwd=settings.BASE_DIR,
        env={**env, "DEBUG": "true"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert relaxed.returncode == 0, relaxed.stderr
