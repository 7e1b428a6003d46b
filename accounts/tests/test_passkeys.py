"""Passkeys as the second step (django-otp-webauthn behind accounts.passkeys): added only from
a verified session, named, listed and removed; used instead of a code at the MFA step, with
refusals recorded and counted towards the lockout; never a way in without the password; gone
with a supervisor's reset and never shown in the admin. A software authenticator
(passkey_authenticator.py) answers the ceremonies as a browser would pass them on."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib import admin
from django.test import Client as HttpClient
from django.utils import translation
from django.utils.translation import gettext
from django_otp_webauthn.models import WebAuthnAttestation, WebAuthnCredential, WebAuthnUserHandle

from accounts import mfa
from audit.models import SecurityEvent
from conftest import totp_device

from .passkey_authenticator import SoftAuthenticator, b64url

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"
REGISTER_BEGIN = "/accounts/mfa/passkeys/register/begin/"
REGISTER_COMPLETE = "/accounts/mfa/passkeys/register/complete/"
VERIFY_BEGIN = "/accounts/mfa/passkeys/verify/begin/"
VERIFY_COMPLETE = "/accounts/mfa/passkeys/verify/complete/"


@pytest.fixture(autouse=True)
def _relying_party(settings):
    settings.OTP_WEBAUTHN_RP_ID = "localhost"
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = ["http://localhost:8000"]


def _post_json(http, url, body=None):
    return http.post(url, json.dumps(body or {}), content_type="application/json")


def _add_passkey(http, authenticator, name="work laptop"):
    options = _post_json(http, REGISTER_BEGIN).json()
    return _post_json(http, REGISTER_COMPLETE, authenticator.create(options, name=name))


def _with_passkey(user, name="work laptop") -> SoftAuthenticator:
    """She has an authenticator app and, added from a verified session, a passkey."""
    authenticator = SoftAuthenticator()
    http = HttpClient()
    http.force_login(user)
    assert _add_passkey(http, authenticator, name).status_code == 200
    return authenticator


def _password_step(http, user, password, next_url="/cases/"):
    response = http.post(
        f"{LOGIN}?next={next_url}", {"username": user.username, "password": password}
    )
    assert response.status_code == 302 and response["Location"].startswith("/accounts/mfa/?")
    return response


# --- adding, listing, removing ------------------------------------------------------------


def test_a_verified_user_adds_a_named_passkey_sees_it_listed_and_removes_it(client, counselor):
    client.force_login(counselor)
    options = _post_json(client, REGISTER_BEGIN).json()
    assert options["rp"] == {"name": "Tsunagari", "id": "localhost"}
    assert options["user"]["name"] == counselor.username

    authenticator = SoftAuthenticator()
    answer = authenticator.create(options, name="  work\tlaptop \x07 ")
    response = _post_json(client, REGISTER_COMPLETE, answer)

    assert response.status_code == 200, response.content
    passkey = WebAuthnCredential.objects.get(user=counselor)
    assert passkey.name == "work laptop" and passkey.confirmed
    event = SecurityEvent.objects.get(kind="mfa_enrolled", user=counselor)
    assert event.detail == "passkey"
    page = client.get("/accounts/mfa/passkeys/")
    html = page.content.decode()
    assert page.status_code == 200 and "work laptop" in html
    assert "パスキーを追加しました。" in html  # the message the script's reload shows
    assert 'src="/static/js/passkeys.js"' in html and 'nonce="' in html
    assert client.get("/accounts/profile/").content.decode().count("/accounts/mfa/passkeys/")

    removed = client.post("/accounts/mfa/passkeys/remove/", {"passkey": passkey.pk})

    assert removed.status_code == 302 and removed["Location"] == "/accounts/mfa/passkeys/"
    assert not WebAuthnCredential.objects.filter(user=counselor).exists()
    assert SecurityEvent.objects.filter(
        kind="mfa_reset", user=counselor, actor=counselor, detail="passkey removed"
    ).exists()


def test_a_passkey_without_a_name_is_called_passkey(client, counselor):
    client.force_login(counselor)
    response = _add_passkey(client, SoftAuthenticator(), name="   ")
    assert response.status_code == 200
    with translation.override(counselor.language):
        assert WebAuthnCredential.objects.get(user=counselor).name == gettext("Passkey")


def test_she_cannot_remove_someone_elses_passkey(client, counselor, colleague):
    _with_passkey(colleague)
    theirs = WebAuthnCredential.objects.get(user=colleague)
    client.force_login(counselor)

    for value in [str(theirs.pk), "x", "", "9" * 40]:
        response = client.post("/accounts/mfa/passkeys/remove/", {"passkey": value})
        assert response.status_code == 302

    assert WebAuthnCredential.objects.filter(pk=theirs.pk).exists()
    assert client.get("/accounts/mfa/passkeys/remove/").status_code == 302


def test_the_add_form_sent_without_the_script_is_refused_and_adds_nothing(client, counselor):
    client.force_login(counselor)
    response = client.post("/accounts/mfa/passkeys/", {"name": "laptop"})
    assert response.status_code == 400
    assert not WebAuthnCredential.objects.exists()


def test_a_session_before_the_second_step_cannot_add_a_passkey(client, counselor, password):
    totp_device(counselor)
    _password_step(client, counselor, password)

    # The middleware sends her to the MFA step, JSON endpoints and the page alike.
    for url in [REGISTER_BEGIN, REGISTER_COMPLETE]:
        response = _post_json(client, url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/mfa/")
    assert client.get("/accounts/mfa/passkeys/")["Location"].startswith("/accounts/mfa/")


@pytest.mark.parametrize("has_totp", [True, False])
def test_without_the_middleware_the_endpoints_still_refuse_an_unverified_session(
    client, counselor, password, settings, has_totp
):
    # MFA_REQUIRED=false (a developer's machine): the step may be skipped, but a passkey is
    # never what makes her verified, with or without an authenticator app.
    settings.MFA_REQUIRED = False
    if has_totp:
        totp_device(counselor)
    client.post(LOGIN, {"username": counselor.username, "password": password})

    response = _post_json(client, REGISTER_BEGIN)

    assert response.status_code == 403 and response.json()["code"] == "user_not_verified"
    assert not WebAuthnCredential.objects.exists()


def test_anonymous_visitors_get_no_options_at_all(client):
    for url in [REGISTER_BEGIN, REGISTER_COMPLETE, VERIFY_BEGIN, VERIFY_COMPLETE]:
        response = _post_json(client, url)
        assert response.status_code == 403, url
        assert "challenge" not in response.json()
    assert WebAuthnUserHandle.objects.count() == 0


# --- the second step with a passkey -------------------------------------------------------


def test_the_second_step_with_a_passkey_verifies_the_session(client, counselor, password):
    authenticator = _with_passkey(counselor)
    step = _password_step(client, counselor, password, next_url="/cases/")
    page = client.get(step["Location"]).content.decode()
    assert "data-passkey-verify" in page and "/static/js/passkeys.js" in page

    options = _post_json(client, VERIFY_BEGIN).json()
    assert options["rpId"] == "localhost"
    assert [c["id"] for c in options["allowCredentials"]] == [b64url(authenticator.credential_id)]
    response = _post_json(client, f"{VERIFY_COMPLETE}?next=/cases/", authenticator.get(options))

    assert response.status_code == 200, response.content
    assert response.json()["redirect_url"] == "/cases/"
    assert client.get("/cases/").status_code == 200
    assert WebAuthnCredential.objects.get(user=counselor).last_used_at is not None


def test_the_redirect_after_a_passkey_stays_on_this_site(client, counselor, password):
    authenticator = _with_passkey(counselor)
    _password_step(client, counselor, password)
    options = _post_json(client, VERIFY_BEGIN).json()

    response = _post_json(
        client, f"{VERIFY_COMPLETE}?next=https://evil.example/", authenticator.get(options)
    )

    assert response.json()["redirect_url"] == "/"


def test_the_mfa_page_offers_no_passkey_to_her_without_one(client, counselor, password):
    totp_device(counselor)
    step = _password_step(client, counselor, password)
    page = client.get(step["Location"]).content.decode()
    assert "data-passkey-verify" not in page and "passkeys.js" not in page


def test_a_wrong_passkey_is_refused_recorded_and_counts_towards_the_lockout(
    client, counselor, colleague, password
):
    _with_passkey(counselor)
    theirs = _with_passkey(colleague)
    mine = SoftAuthenticator()  # her passkey's key is not this one
    _password_step(client, counselor, password)

    statuses = []
    for attempt in range(6):
        options = _post_json(client, VERIFY_BEGIN).json()
        if attempt == 0:
            answer = theirs.get(options)  # a colleague's passkey
        elif attempt == 1:
            answer = mine.get(options)  # a passkey the server does not know
        else:
            answer = _with_spoiled_signature(counselor, options)
        statuses.append(_post_json(client, VERIFY_COMPLETE, answer).status_code)
        if attempt < 5:
            assert client.get("/")["Location"].startswith("/accounts/mfa/")

    assert statuses[-1] == 429 and 429 not in statuses[:-1]
    assert all(400 <= s < 500 for s in statuses)
    events = SecurityEvent.objects.filter(kind="mfa_failed", user=counselor)
    assert events.count() == 6 and all(e.detail.startswith("passkey ") for e in events)
    assert SecurityEvent.objects.filter(kind="locked_out", user=counselor).count() == 1
    assert "_auth_user_id" not in client.session  # signed out
    assert (
        client.post(LOGIN, {"username": counselor.username, "password": password}).status_code
        == 429
    )


def _with_spoiled_signature(user, options):
    # Her own passkey's credential id, but a signature that does not match.
    authenticator = SoftAuthenticator()
    authenticator.credential_id = bytes(WebAuthnCredential.objects.get(user=user).credential_id)
    return authenticator.get(options)


def test_hostile_bodies_are_refused_with_a_400_not_a_500(client, counselor, password):
    authenticator = _with_passkey(counselor)
    _password_step(client, counselor, password)
    # Without a begun ceremony there is nothing to answer.
    answer = authenticator.get({"challenge": "AAAA"})
    assert _post_json(client, VERIFY_COMPLETE, answer).status_code == 400
    bodies = [
        "not json",
        "[1, 2]",
        json.dumps({"id": "x", "rawId": "abcde", "type": "public-key", "response": {}}),
    ]
    for body in bodies:
        _post_json(client, VERIFY_BEGIN)
        response = client.post(VERIFY_COMPLETE, body, content_type="application/json")
        assert 400 <= response.status_code < 500, body
    options = _post_json(client, VERIFY_BEGIN).json()
    spoiled = authenticator.get(options)
    spoiled["rawId"] = "abcde"  # base64url of no length at all
    assert 400 <= _post_json(client, VERIFY_COMPLETE, spoiled).status_code < 500
    # Each answer was a failed second step; the body that is not JSON at all never got as far.
    assert SecurityEvent.objects.filter(kind="mfa_failed", user=counselor).count() == 4


def test_an_enrolment_answer_for_another_site_is_refused(client, counselor):
    client.force_login(counselor)
    options = _post_json(client, REGISTER_BEGIN).json()
    phishing = SoftAuthenticator(rp_id="evil.example", origin="https://evil.example")

    response = _post_json(client, REGISTER_COMPLETE, phishing.create(options, name="x"))

    assert response.status_code == 422
    assert not WebAuthnCredential.objects.exists()
    assert SecurityEvent.objects.filter(
        kind="mfa_failed", detail__startswith="passkey enrol"
    ).exists()


# --- a supervisor's reset, the admin ------------------------------------------------------


def test_a_supervisors_reset_removes_her_passkeys_and_unverifies_their_sessions(
    client, counselor, supervisor, password
):
    authenticator = _with_passkey(counselor)
    _password_step(client, counselor, password)
    options = _post_json(client, VERIFY_BEGIN).json()
    assert _post_json(client, VERIFY_COMPLETE, authenticator.get(options)).status_code == 200
    assert client.get("/").status_code == 200

    staff = HttpClient()
    staff.force_login(supervisor)
    response = staff.post(
        "/admin/accounts/user/",
        {"action": "reset_mfa", "_selected_action": [counselor.pk]},
    )

    assert response.status_code == 302
    assert not WebAuthnCredential.objects.filter(user=counselor).exists()
    assert not WebAuthnAttestation.objects.filter(credential__user=counselor).exists()
    assert client.get("/")["Location"].startswith("/accounts/mfa/enrol/")


def test_the_admin_shows_no_passkey_credentials():
    for model in (WebAuthnCredential, WebAuthnAttestation, WebAuthnUserHandle):
        assert not admin.site.is_registered(model)


def test_mfa_reset_removes_passkeys(counselor, supervisor):
    _with_passkey(counselor)
    mfa.mfa_reset(user=counselor, by=supervisor)
    assert not mfa.has_passkey(counselor)


# --- settings: relying party and origins from the environment -----------------------------

_PRELUDE = "import environ; environ.Env.read_env = classmethod(lambda cls, *a, **k: None); "
_SHOW = _PRELUDE + (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps([s.OTP_WEBAUTHN_RP_ID, s.OTP_WEBAUTHN_RP_NAME, "
    "s.OTP_WEBAUTHN_ALLOWED_ORIGINS, s.OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN]))"
)
_BASE = {
    "DEBUG": "true",
    "DATABASE_URL": "postgres://tsunagari@db.example.org:5432/tsunagari",
    "REDIS_URL": "redis://redis.example.org:6379/0",
}


def _settings_with(env: dict[str, str]) -> subprocess.CompletedProcess:
    child_env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", ""),
        "DJANGO_SETTINGS_MODULE": "tsunagari.settings",
        **_BASE,
        **env,
    }
    return subprocess.run(
        [sys.executable, "-c", _SHOW],
        cwd=Path(settings.BASE_DIR),
        env=child_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        # A developer's machine: passkeys work at http://localhost:8000/.
        ({}, ["localhost", "Tsunagari", ["http://localhost:8000"], False]),
        (
            {"SITE_URL": "https://tsunagari.example.org"},
            ["tsunagari.example.org", "Tsunagari", ["https://tsunagari.example.org"], False],
        ),
        # SITE_URL left at its default: the first host name the site answers to, over TLS.
        (
            {"ALLOWED_HOSTS": "10.0.0.5,tsunagari.example.org"},
            ["tsunagari.example.org", "Tsunagari", ["https://tsunagari.example.org"], False],
        ),
        (
            {
                "WEBAUTHN_RP_ID": "example.org",
                "WEBAUTHN_RP_NAME": "つながり",
                "WEBAUTHN_ORIGINS": "https://a.example.org,https://example.org",
            },
            ["example.org", "つながり", ["https://a.example.org", "https://example.org"], False],
        ),
    ],
)
def test_the_relying_party_comes_from_the_environment(env, expected):
    result = _settings_with(env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == expected


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"WEBAUTHN_RP_ID": "192.168.1.10"}, "WEBAUTHN_RP_ID"),
        ({"WEBAUTHN_ORIGINS": "http://localhost.evil.example"}, "WEBAUTHN_ORIGINS"),
        (
            {"WEBAUTHN_RP_ID": "example.org", "WEBAUTHN_ORIGINS": "http://example.org"},
            "WEBAUTHN_ORIGINS",
        ),
        (
            {"WEBAUTHN_RP_ID": "example.org", "WEBAUTHN_ORIGINS": "https://example.com"},
            "WEBAUTHN_ORIGINS",
        ),
    ],
)
def test_a_relying_party_passkeys_cannot_work_with_stops_start_up(env, named):
    result = _settings_with(env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and named in result.stderr
