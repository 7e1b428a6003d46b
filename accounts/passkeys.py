"""Passkeys (WebAuthn, django-otp-webauthn): a second step beside the TOTP code, never a way in
without the password (settings: OTP_WEBAUTHN_ALLOW_PASSWORDLESS_LOGIN is off).

The package's four JSON endpoints, under our rules (accounts/urls.py mounts these, not the
package's own URLs):

- registering a passkey needs a session that has passed the second step already; the new
  passkey gets the name she typed and an `mfa_enrolled` security event;
- using one is the MFA step of a half-signed-in session (MFARequiredMiddleware lets these two
  through): every refusal is an `mfa_failed` event and counts towards the sign-in lockout of
  her username and address, like a wrong code.

static/js/passkeys.js talks to them; the package's own scripts and template tags are not
used (they need the package's JavaScript catalogue and do not name the passkey).
"""

from __future__ import annotations

from axes.handlers.proxy import AxesProxyHandler
from django.contrib import messages
from django.contrib.auth import logout
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp_webauthn import exceptions as webauthn_errors
from django_otp_webauthn.helpers import WebAuthnHelper
from django_otp_webauthn.views import (
    BeginCredentialAuthenticationView,
    BeginCredentialRegistrationView,
    CompleteCredentialAuthenticationView,
    CompleteCredentialRegistrationView,
)

from audit.models import SecurityEvent
from audit.services import security_event_record
from core.http import safe_next_url

from . import mfa


class PasskeyHelper(WebAuthnHelper):
    """The package's WebAuthn helper (settings.OTP_WEBAUTHN_HELPER_CLASS), naming the passkey
    with the `name` sent beside the credential."""

    def create_credential(self, user, response, parsed_credential, original_data):
        device = super().create_credential(user, response, parsed_credential, original_data)
        device.name = mfa.passkey_name(original_data.get("name"))
        return device


class LockedOut(webauthn_errors.OTPWebAuthnApiError):
    status_code = 429
    default_code = "locked_out"
    default_detail = gettext_lazy("Too many failed attempts: signing in is locked for a while.")


# What the package's parsing of a hostile body can raise besides its own errors (a bad base64
# string is a ValueError): a 400, not a 500.
_MALFORMED = (ValueError, TypeError, KeyError)


def _malformed(error: Exception) -> Exception:
    if isinstance(error, webauthn_errors.OTPWebAuthnApiError):
        return error
    return webauthn_errors.MalformedRequest(detail=_("The request could not be read."))


# --- registration: a verified session only -------------------------------------------------


class _Registration:
    def check_can_register(self):
        # The package lets a user without any device register (and be verified by it); here
        # enrolment is the authenticator app's, and a passkey is added after the second step.
        if not self.request.user.is_verified():
            raise webauthn_errors.NotVerified(
                detail=_("Pass the second step of signing in before adding a passkey.")
            )


class RegistrationBegin(_Registration, BeginCredentialRegistrationView):
    pass


class RegistrationComplete(_Registration, CompleteCredentialRegistrationView):
    def post(self, *args, **kwargs):
        request, user = self.request, self.request.user
        try:
            response = super().post(*args, **kwargs)
        except (webauthn_errors.OTPWebAuthnApiError, *_MALFORMED) as error:
            error = _malformed(error)
            security_event_record(
                kind=SecurityEvent.Kind.MFA_FAILED,
                request=request,
                user=user,
                detail=f"passkey enrol {error.code}",
            )
            raise error from None
        security_event_record(
            kind=SecurityEvent.Kind.MFA_ENROLLED, request=request, user=user, detail="passkey"
        )
        messages.success(request, _("The passkey was added."))
        return response


# --- authentication: the second step -------------------------------------------------------


def _credentials(request) -> dict:
    return {"username": request.user.get_username()}


class _Authentication:
    def check_can_authenticate(self):
        request = self.request
        if not request.user.is_authenticated:
            raise webauthn_errors.PasswordlessLoginDisabled(
                detail=_("Sign in with your password first.")
            )
        if AxesProxyHandler.is_locked(request, _credentials(request)):
            logout(request)
            raise LockedOut()


class AuthenticationBegin(_Authentication, BeginCredentialAuthenticationView):
    pass


class AuthenticationComplete(_Authentication, CompleteCredentialAuthenticationView):
    def get_success_url(self):
        return safe_next_url(self.request, "home")

    def post(self, *args, **kwargs):
        try:
            return super().post(*args, **kwargs)
        except (webauthn_errors.OTPWebAuthnApiError, *_MALFORMED) as error:
            raise self._refused(_malformed(error)) from None

    def _refused(self, error: webauthn_errors.OTPWebAuthnApiError) -> Exception:
        """Her passkey was not accepted: at the MFA step that is a failed second step."""
        request = self.request
        if request.user.is_verified():  # already past the step: nothing to guess at
            return error
        user, credentials = request.user, _credentials(request)
        security_event_record(
            kind=SecurityEvent.Kind.MFA_FAILED,
            request=request,
            user=user,
            detail=f"passkey {error.code}",
        )
        AxesProxyHandler.user_login_failed(
            sender=__name__, credentials=credentials, request=request
        )
        if getattr(request, "axes_locked_out", False):
            logout(request)
            return LockedOut()
        return error
