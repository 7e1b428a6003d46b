"""Production settings pass Django's deployment checklist and answer with the headers and
cookies it asks for.

Each test starts a fresh Python process with a production-like environment (DEBUG off, a long
random secret, real-looking hosts), because settings are read once, at import. The database
is never reached: the requests below touch no table.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

from django.conf import settings

PROJECT_ROOT = Path(settings.BASE_DIR)

# A developer's own `.env` must not change the outcome.
_PRELUDE = "import environ; environ.Env.read_env = classmethod(lambda cls, *a, **k: None); "

PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": secrets.token_urlsafe(50),
    "ALLOWED_HOSTS": "tsunagari.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://tsunagari.example.org",
    "EMAIL_URL": "smtp://mailer:secret@mail.example.org:587",
    # Nothing listens on port 1: a request that reached the database would fail loudly.
    "DATABASE_URL": "postgres://tsunagari@127.0.0.1:1/tsunagari",
    "REDIS_URL": "redis://127.0.0.1:1/0",
}


def _run(env: dict[str, str], code: str) -> subprocess.CompletedProcess:
    child_env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", ""),
        "DJANGO_SETTINGS_MODULE": "tsunagari.settings",
        **env,
    }
    return subprocess.run(
        [sys.executable, "-c", _PRELUDE + code],
        cwd=PROJECT_ROOT,
        env=child_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_passes_at_warning_level_with_production_values():
    code = (
        "from django.core.management import execute_from_command_line; "
        "execute_from_command_line(['manage.py', 'check', '--deploy', '--fail-level', 'WARNING'])"
    )
    # A database on another host needs TLS (core/checks.py); a production URL says so.
    env = {
        **PRODUCTION_ENV,
        "DATABASE_URL": "postgres://tsunagari@db.example.org:5432/tsunagari?sslmode=verify-full",
    }

    result = _run(env, code)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)" in result.stdout


# Requests made inside the production process with Django's test client (no server needed).
_REQUESTS = """
import django, json
django.setup()
from django.conf import settings
from django.test import Client
from django.test import override_settings
from django.test.utils import setup_test_environment
setup_test_environment()
# The manifest exists only after collectstatic; plain file names serve these requests.
override_settings(STORAGES={**settings.STORAGES, "staticfiles": {
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}).enable()
host = {"HTTP_HOST": "tsunagari.example.org"}
def answer(path, **extra):
    r = Client().get(path, **host, **extra)
    return {"status": r.status_code, "headers": dict(r.headers),
            "cookies": {k: {"secure": bool(v["secure"]), "httponly": bool(v["httponly"]),
                            "samesite": v["samesite"], "path": v["path"], "domain": v["domain"]}
                        for k, v in r.cookies.items()}}
print(json.dumps({
    "https_page": answer("/accounts/login/", secure=True),
    "http_page": answer("/accounts/login/?q=x"),
    "proxied_https": answer("/accounts/login/", HTTP_X_FORWARDED_PROTO="https"),
    "http_healthz": answer("/healthz"),
    "cookies": {name: getattr(settings, name) for name in (
        "SESSION_COOKIE_NAME", "CSRF_COOKIE_NAME", "LANGUAGE_COOKIE_NAME",
        "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "LANGUAGE_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE")},
}))
"""


def _answers(env: dict[str, str]) -> dict:
    result = _run(env, _REQUESTS)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_production_answers_https_with_hsts_and_host_only_secure_cookies():
    answers = _answers(PRODUCTION_ENV)

    page = answers["https_page"]
    assert page["status"] == 200
    hsts = page["headers"]["Strict-Transport-Security"]
    assert "includeSubDomains" in hsts and "preload" in hsts
    max_age = int(hsts.split("max-age=")[1].split(";")[0])
    assert max_age >= 365 * 24 * 60 * 60
    assert "unsafe-inline" not in page["headers"]["Content-Security-Policy"]
    assert "no-store" in page["headers"]["Cache-Control"]
    # The login form sets the CSRF cookie: __Host- prefixed, so Secure, path /, no Domain.
    csrf = page["cookies"]["__Host-csrftoken"]
    assert csrf["secure"] and csrf["path"] == "/" and csrf["domain"] == ""
    assert csrf["samesite"] == "Lax"
    assert answers["cookies"] == {
        "SESSION_COOKIE_NAME": "__Host-sessionid",
        "CSRF_COOKIE_NAME": "__Host-csrftoken",
        "LANGUAGE_COOKIE_NAME": "__Host-language",
        "SESSION_COOKIE_SECURE": True,
        "CSRF_COOKIE_SECURE": True,
        "LANGUAGE_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
    }


def test_plain_http_is_redirected_to_https_except_the_health_check():
    answers = _answers(PRODUCTION_ENV)

    assert answers["http_page"]["status"] == 301
    location = answers["http_page"]["headers"]["Location"]
    assert location.startswith("https://tsunagari.example.org/accounts/login/")
    # Without BEHIND_TLS_PROXY a client's own X-Forwarded-Proto is not believed.
    assert answers["proxied_https"]["status"] == 301
    # The container health check asks over plain HTTP: answered, not redirected (503 here, as
    # this process has no database).
    assert answers["http_healthz"]["status"] in {200, 503}
    assert "Location" not in answers["http_healthz"]["headers"]


def test_behind_the_documented_tls_proxy_its_forwarded_proto_is_believed():
    answers = _answers({**PRODUCTION_ENV, "BEHIND_TLS_PROXY": "true"})

    proxied = answers["proxied_https"]
    assert proxied["status"] == 200
    assert "Strict-Transport-Security" in proxied["headers"]
    assert answers["http_page"]["status"] == 301
