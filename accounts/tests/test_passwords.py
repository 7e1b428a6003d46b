"""Passwords: Argon2, at least 12 characters; the demo logins' passwords meet the rule."""

from __future__ import annotations

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import timezone

import tsunagari.settings as production_settings
from accounts import demo
from core.registry import DemoContext

pytestmark = pytest.mark.django_db


def test_production_hashes_with_argon2():
    assert production_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")


def test_eleven_characters_are_refused_and_twelve_accepted():
    with pytest.raises(ValidationError):
        validate_password("kx7-Qm2p!zR")  # 11
    validate_password("kx7-Qm2p!zRw")  # 12


def test_demo_passwords_are_long_enough():
    ctx = DemoContext(seed=1, scale=1, now=timezone.now())
    demo.seed(ctx)
    passwords = [line.split()[-1] for line in ctx.notices if line.startswith("  ")]
    assert passwords and all(len(p) >= 12 for p in passwords)
    for password in passwords:
        validate_password(password)
