"""Test-only overrides. The suite runs on real PostgreSQL and Redis (DATABASE_URL, REDIS_URL)."""

import os

os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("EMAIL_URL", "memorymail://")
# Playwright's sync API runs an event loop in the test thread; the ORM calls there are safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

from .settings import *  # noqa: E402,F403

# An app that registers one of every extension point (tests/test_extension_points.py).
INSTALLED_APPS = [*INSTALLED_APPS, "tests.testapp"]  # noqa: F405

# Fast hashing keeps the suite quick; production uses Argon2.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
}

# Each test run consumes only its own messages, even when a dev worker shares the Redis.
CELERY_TASK_DEFAULT_QUEUE = f"tsunagari-test-{os.getpid()}"

# No collectstatic before tests: WhiteNoise looks files up per request instead of warning
# that STATIC_ROOT does not exist (the test runner turns DEBUG off).
WHITENOISE_AUTOREFRESH = True

# MFA is required in the tests as in production (a developer's .env cannot relax it here).
# `Client.force_login` in conftest.py stands for both sign-in steps.
MFA_REQUIRED = True
