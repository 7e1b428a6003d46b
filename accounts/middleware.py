from django.conf import settings
from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.utils import translation


class LocaleMiddleware(DjangoLocaleMiddleware):
    """Japanese unless she chose otherwise: the language menu's cookie, else LANGUAGE_CODE.
    The browser's Accept-Language is not asked (an en-US browser in a Japanese office would
    turn the sign-in page English). A signed-in user's profile wins (UserLanguageMiddleware)."""

    def process_request(self, request):
        translation.activate(chosen_language(request))
        request.LANGUAGE_CODE = translation.get_language()


def chosen_language(request) -> str:
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
    if chosen:
        try:
            return translation.get_supported_language_variant(chosen)
        except LookupError:
            pass
    return settings.LANGUAGE_CODE


class UserLanguageMiddleware:
    """Each signed-in user sees the UI in the language of her profile (Japanese by default),
    and the sign-in page she sees after signing out keeps it (the language cookie follows)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = user.language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", translation.get_language())
        if (
            user is not None
            and user.is_authenticated
            and user.language
            and request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) != user.language
        ):
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                user.language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                path=settings.LANGUAGE_COOKIE_PATH,
                domain=settings.LANGUAGE_COOKIE_DOMAIN,
                secure=settings.LANGUAGE_COOKIE_SECURE,
                httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
            )
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
