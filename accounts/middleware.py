from django.utils import translation


class UserLanguageMiddleware:
    """Each signed-in user sees the UI in the language of her profile (Japanese by default)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", translation.get_language())
        return response


class SessionTimeoutMiddleware:
    """The server decides when a session ends (accounts/sessions.py has the rules): a session
    idle beyond SESSION_IDLE_MINUTES or older than SESSION_ABSOLUTE_HOURS is ended here, before
    any view runs, and the visitor is sent to sign in with the reason."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from . import sessions

        expired = sessions.session_check(request)
        if expired:
            return sessions.expired_response(request, expired)
        with sessions.serving(request) as key_before:
            response = self.get_response(request)
        sessions.follow_key_change(request, key_before)
        return response


class MFARequiredMiddleware:
    """A signed-in session that has not passed the MFA step reaches nothing but the MFA pages
    (the passkey check among them, not the adding of a passkey), logout and the language
    switch: every other page, the admin included, sends her to the step (or, without an
    authenticator yet, to enrolment). Placed after OTPMiddleware, which tells whether the
    session is verified. Off only where MFA_REQUIRED=false (a developer's machine)."""

    EXEMPT = {
        "accounts:login",
        "accounts:logout",
        "accounts:mfa_verify",
        "accounts:mfa_enrol",
        "accounts:mfa_backup_codes",
        "accounts:mfa_skip",
        "accounts:passkey_verify_begin",
        "accounts:passkey_verify_complete",
        "admin:logout",
        "set_language",
        "healthz",
    }

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        from django.conf import settings

        if not settings.MFA_REQUIRED:
            return None
        user = request.user
        if not user.is_authenticated or user.is_verified():
            return None
        if request.resolver_match.view_name in self.EXEMPT:
            return None
        from urllib.parse import urlencode

        from django.shortcuts import redirect
        from django.urls import reverse

        from .mfa import has_confirmed_device

        step = "accounts:mfa_verify" if has_confirmed_device(user) else "accounts:mfa_enrol"
        target = request.get_full_path() if request.method == "GET" else reverse("home")
        return redirect(f"{reverse(step)}?{urlencode({'next': target})}")
