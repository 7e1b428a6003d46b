"""Multi-factor sign-in (django-otp): a TOTP authenticator and single-use backup codes, and
passkeys (django-otp-webauthn, added after enrolment; their endpoints are in accounts.passkeys).

After the password a session is not yet "verified" (`user.is_verified()`); the MFA step or,
on the first sign-in, the enrolment makes it so (`django_otp.login`).
`accounts.middleware.MFARequiredMiddleware` sends an unverified session nowhere else.
Codes are never logged or stored in an event.
"""

from __future__ import annotations

import time
from base64 import b32encode
from binascii import unhexlify

import django_otp
import segno
from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex
from django_otp_webauthn.models import WebAuthnCredential

from audit.models import SecurityEvent
from audit.services import security_event_record

from .models import User

ENROL_KEY_SESSION = "mfa_enrol_key"
NEW_CODES_SESSION = "mfa_new_backup_codes"
TOTP_NAME = "authenticator"
BACKUP_NAME = "backup codes"


def totp_device_of(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def has_confirmed_device(user: User) -> bool:
    """Whether she has enrolled: an authenticator app (a passkey only comes after it)."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


# --- enrolment ------------------------------------------------------------------------------


def enrolment_key(session) -> str:
    """The secret offered to her while she enrols, kept in her session (not in a device row)
    until she proves with a code that her authenticator holds it."""
    key = session.get(ENROL_KEY_SESSION)
    if not key:
        key = session[ENROL_KEY_SESSION] = random_hex(20)
    return key


def provisioning_uri(user: User, key: str) -> str:
    return TOTPDevice(user=user, key=key).config_url


def secret_text(key: str) -> str:
    """The secret in base32, in groups of four, for typing into an authenticator by hand."""
    text = b32encode(unhexlify(key)).decode()
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def qr_svg(uri: str) -> str:
    # Inline SVG with no style attribute, so it lives with a strict CSP.
    return segno.make(uri, error="m").svg_inline(scale=4, title="QR")


def _normalise(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


@transaction.atomic
def mfa_enrol_confirm(*, request, key: str, code: str) -> list[str] | None:
    """Confirm the authenticator she set up with the key: a device row, backup codes and a
    verified session. None (and an `mfa_failed` event) when the code does not match."""
    user = request.user
    totp = TOTP(unhexlify(key))
    totp.time = time.time()
    token = _normalise(code)
    if not token.isdigit() or not totp.verify(int(token), tolerance=1):
        security_event_record(
            kind=SecurityEvent.Kind.MFA_FAILED, request=request, user=user, detail="enrol"
        )
        return None
    # Locked: two tabs confirming at once must not leave her with two authenticators.
    User.objects.select_for_update().get(pk=user.pk)
    TOTPDevice.objects.filter(user=user).delete()
    device = TOTPDevice.objects.create(
        user=user, name=TOTP_NAME, key=key, confirmed=True, last_t=totp.t()
    )
    security_event_record(kind=SecurityEvent.Kind.MFA_ENROLLED, request=request, user=user)
    codes = mfa_backup_codes_issue(request=request, user=user)
    django_otp.login(request, device)
    request.session.pop(ENROL_KEY_SESSION, None)
    return codes


@transaction.atomic
def mfa_backup_codes_issue(*, request, user: User) -> list[str]:
    """A new set of single-use backup codes; the old ones stop working. Returned once, to be
    shown once."""
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name=BACKUP_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(settings.MFA_BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=c) for c in codes)
    security_event_record(
        kind=SecurityEvent.Kind.BACKUP_CODES_ISSUED,
        request=request,
        user=user,
        detail=str(len(codes)),
    )
    return codes


# --- the second step ------------------------------------------------------------------------


class Refusal:
    WRONG = "wrong"
    THROTTLED = "throttled"
    LOCKED = "locked"


def mfa_verify(*, request, code: str) -> str | None:
    """Check her code: a 6-digit code against her authenticator, anything else against her
    backup codes (each works once). On success the session is verified and None returned;
    otherwise the reason. Every refusal is an `mfa_failed` event and counts towards the
    sign-in lockout of her username and address, like a wrong password."""
    user = request.user
    credentials = {"username": user.get_username()}
    if AxesProxyHandler.is_locked(request, credentials):
        return Refusal.LOCKED
    token = _normalise(code)
    kind = "totp" if token.isdigit() and len(token) == 6 else "backup"
    model = TOTPDevice if kind == "totp" else StaticDevice
    device = model.objects.filter(user=user, confirmed=True).order_by("pk").first()
    refusal = None
    if device is None:
        refusal = Refusal.WRONG
    elif not device.verify_is_allowed()[0]:
        refusal = Refusal.THROTTLED
    else:
        verified = django_otp.verify_token(user, device.persistent_id, token)
        if verified is None:
            refusal = Refusal.WRONG
        else:
            django_otp.login(request, verified)
            return None
    security_event_record(
        kind=SecurityEvent.Kind.MFA_FAILED, request=request, user=user, detail=f"{kind} {refusal}"
    )
    AxesProxyHandler.user_login_failed(sender=__name__, credentials=credentials, request=request)
    if getattr(request, "axes_locked_out", False):
        return Refusal.LOCKED
    return refusal


# --- passkeys ----------------------------------------------------------------------------

PASSKEY_NAME_MAX = 64  # django-otp's Device.name


def passkeys_of(user: User):
    return WebAuthnCredential.objects.filter(user=user, confirmed=True).order_by("pk")


def has_passkey(user: User) -> bool:
    return passkeys_of(user).exists()


def passkey_name(raw: object) -> str:
    """The name she gave the passkey, on one line and printable; "Passkey" when she gave none."""
    text = "".join(ch for ch in " ".join(str(raw or "").split()) if ch.isprintable())
    return text[:PASSKEY_NAME_MAX].strip() or gettext("Passkey")


@transaction.atomic
def passkey_remove(*, request, user: User, passkey_id: int) -> bool:
    """Remove one of her passkeys (a security event). False when she has no such passkey. A
    session verified with it is verified no longer and is asked for the second step again."""
    deleted, _ = WebAuthnCredential.objects.filter(user=user, pk=passkey_id).delete()
    if not deleted:
        return False
    security_event_record(
        kind=SecurityEvent.Kind.MFA_RESET,
        request=request,
        user=user,
        actor=user,
        detail="passkey removed",
    )
    return True


# --- a supervisor's reset -------------------------------------------------------------------


@transaction.atomic
def mfa_reset(*, user: User, by: User, request=None) -> None:
    """Remove her authenticator, backup codes and passkeys (a lost phone): at her next request
    she is asked to enrol again. Her verified sessions stop being verified at once."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    WebAuthnCredential.objects.filter(user=user).delete()
    security_event_record(kind=SecurityEvent.Kind.MFA_RESET, request=request, user=user, actor=by)
