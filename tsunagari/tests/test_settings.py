"""Start-up validation: a bad or missing setting stops the process and names the variable.

Each case starts a fresh Python process with a controlled environment (PATH and HOME plus
exactly the variables under test), because settings are read once, at import.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

import tsunagari.settings as production_settings

PROJECT_ROOT = Path(settings.BASE_DIR)

# A developer's own `.env` must not change the outcome, so the child process disables
# `.env` reading before Django imports the settings.
_PRELUDE = "import environ; environ.Env.read_env = classmethod(lambda cls, *a, **k: None); "
_SETUP = _PRELUDE + (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'DEBUG': s.DEBUG, 'ALLOWED_HOSTS': s.ALLOWED_HOSTS, "
    "'EMAIL_BACKEND': s.EMAIL_BACKEND, 'HASHER': s.PASSWORD_HASHERS[0], "
    "'SECRET_KEY_IS_DEV': s.SECRET_KEY == s.DEVELOPMENT_SECRET_KEY, "
    "'ENGINE': s.DATABASES['default']['ENGINE'], 'BROKER': s.CELERY_BROKER_URL}))"
)
_CHECK = _PRELUDE + (
    "from django.core.management import execute_from_command_line; "
    "execute_from_command_line(['manage.py', 'check'])"
)

DATABASE_URL = "postgres://tsunagari@db.example.org:5432/tsunagari"
REDIS_URL = "redis://redis.example.org:6379/0"

DEVELOPMENT_ENV = {"DEBUG": "true", "DATABASE_URL": DATABASE_URL, "REDIS_URL": REDIS_URL}
PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "k3v-7Qz!p0-production-only-secret-with-enough-entropy-8fJ2",
    "ALLOWED_HOSTS": "tsunagari.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://tsunagari.example.org",
    "EMAIL_URL": "smtp://mailer:secret@mail.example.org:587",
    "DATABASE_URL": DATABASE_URL,
    "REDIS_URL": REDIS_URL,
}


def _start(env: dict[str, str], code: str = _SETUP) -> subprocess.CompletedProcess:
    child_env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", ""),
        "DJANGO_SETTINGS_MODULE": "tsunagari.settings",
    }
    child_env.update(env)
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=PROJECT_ROOT,
        env=child_env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _refusal(result: subprocess.CompletedProcess) -> str:
    """The ImproperlyConfigured message the process died with."""
    assert result.returncode != 0, f"start-up should have been refused:\n{result.stdout}"
    last_line = result.stderr.strip().splitlines()[-1]
    prefix = "django.core.exceptions.ImproperlyConfigured: "
    assert last_line.startswith(prefix), result.stderr
    return last_line.removeprefix(prefix)


def _without(env: dict[str, str], name: str) -> dict[str, str]:
    return {key: value for key, value in env.items() if key != name}


def test_development_env_starts_with_the_development_key():
    result = _start(DEVELOPMENT_ENV)

    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert loaded["DEBUG"] is True
    assert loaded["SECRET_KEY_IS_DEV"] is True
    assert loaded["ALLOWED_HOSTS"] == ["127.0.0.1", "localhost"]
    assert loaded["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"


def test_complete_production_env_starts_and_passes_checks():
    result = _start(PRODUCTION_ENV)

    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert loaded == {
        "DEBUG": False,
        "ALLOWED_HOSTS": ["tsunagari.example.org"],
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "HASHER": "django.contrib.auth.hashers.Argon2PasswordHasher",
        "SECRET_KEY_IS_DEV": False,
        "ENGINE": "django.db.backends.postgresql",
        "BROKER": REDIS_URL,
    }

    checked = _start(PRODUCTION_ENV, code=_CHECK)
    assert checked.returncode == 0, checked.stderr
    assert "System check identified no issues" in checked.stdout


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        pytest.param(_without(DEVELOPMENT_ENV, "DATABASE_URL"), "DATABASE_URL", id="no-database"),
        pytest.param(
            {**DEVELOPMENT_ENV, "DATABASE_URL": "mysql://root@127.0.0.1/tsunagari"},
            "DATABASE_URL",
            id="mysql-database",
        ),
        pytest.param(
            {**DEVELOPMENT_ENV, "DATABASE_URL": "sqlite:///db.sqlite3"},
            "DATABASE_URL",
            id="sqlite-database",
        ),
        pytest.param(_without(DEVELOPMENT_ENV, "REDIS_URL"), "REDIS_URL", id="no-redis"),
        pytest.param(
            {**DEVELOPMENT_ENV, "REDIS_URL": "amqp://guest@127.0.0.1//"},
            "REDIS_URL",
            id="amqp-broker",
        ),
        pytest.param({**DEVELOPMENT_ENV, "DEBUG": "banana"}, "DEBUG", id="debug-banana"),
        pytest.param(_without(PRODUCTION_ENV, "SECRET_KEY"), "SECRET_KEY", id="no-secret"),
        pytest.param(
            _without(PRODUCTION_ENV, "ALLOWED_HOSTS"), "ALLOWED_HOSTS", id="no-allowed-hosts"
        ),
        pytest.param(
            {**PRODUCTION_ENV, "CSRF_TRUSTED_ORIGINS": "tsunagari.example.org"},
            "CSRF_TRUSTED_ORIGINS",
            id="origin-without-scheme",
        ),
        pytest.param(
            {**PRODUCTION_ENV, "EMAIL_URL": "pigeon://loft.example.org"},
            "EMAIL_URL",
            id="unknown-email-scheme",
        ),
        pytest.param(_without(PRODUCTION_ENV, "EMAIL_URL"), "EMAIL_URL", id="no-email"),
        pytest.param({**DEVELOPMENT_ENV, "CONN_MAX_AGE": "forever"}, "CONN_MAX_AGE", id="conn"),
        pytest.param(
            {**DEVELOPMENT_ENV, "LINE_API_BASE_URL": "ftp://api.line.me"},
            "LINE_API_BASE_URL",
            id="line-api-scheme",
        ),
        pytest.param(
            {**DEVELOPMENT_ENV, "FOLLOWUP_ESCALATE_AFTER_MINUTES": "a day"},
            "FOLLOWUP_ESCALATE_AFTER_MINUTES",
            id="escalation-minutes",
        ),
    ],
)
def test_bad_configuration_is_refused_naming_the_variable(env, variable):
    message = _refusal(_start(env))

    assert variable in message


def test_development_secret_key_is_refused_when_debug_is_off():
    env = {**PRODUCTION_ENV, "SECRET_KEY": production_settings.DEVELOPMENT_SECRET_KEY}

    message = _refusal(_start(env))

    assert "SECRET_KEY" in message
    assert "development key" in message


def test_debug_defaults_to_off():
    # Forgetting DEBUG must give the strict production checks, not a debug server.
    message = _refusal(_start(_without(DEVELOPMENT_ENV, "DEBUG")))

    assert "SECRET_KEY" in message


def test_refusal_does_not_echo_secrets():
    env = {**PRODUCTION_ENV, "DATABASE_URL": "mysql://admin:hunter2-secret@db.example.org/x"}

    result = _start(env)

    _refusal(result)
    assert "hunter2-secret" not in result.stderr


def test_manage_py_refuses_a_bad_environment_in_one_sentence():
    manage_check = _PRELUDE + (
        "import runpy, sys; sys.argv = ['manage.py', 'check']; "
        "runpy.run_path('manage.py', run_name='__main__')"
    )

    result = _start(_without(DEVELOPMENT_ENV, "REDIS_URL"), code=manage_check)

    assert result.returncode == 1
    assert result.stderr.startswith("manage.py: Set the environment variable REDIS_URL")
    assert "Traceback" not in result.stderr
