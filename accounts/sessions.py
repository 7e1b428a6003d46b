"""How long a signed-in session lasts, and what ends one.

- **Idle**: a session without activity for `SESSION_IDLE_MINUTES` (30) ends; the page warns a
  few minutes before (static/js/session-timeout.js) and offers to stay signed in, which calls
  `keepalive`. **Absolute**: `SESSION_ABSOLUTE_HOURS` (10) after signing in it ends, whatever
  the activity. The server is the truth: `SessionTimeoutMiddleware` checks both on every
  request, before any view, from two timestamps kept in the session itself.
- **Activity** is a page the person opens or a form she sends. A background read — a GET
  that the browser marks as not a navigation (`Sec-Fetch-Mode` other than `navigate`: fetch,
  XHR, htmx polling) — does not count, so a page left open that polls cannot keep a session
  alive; the keep-alive (a POST) is the one request a script sends that does.
- **Ended together**: every signed-in session has an `accounts.UserSession` row (created at
  sign-in, removed at sign-out), so all of a user's sessions can be ended when she is
  deactivated, when her password changes (the session that changed it stays), or by a
  supervisor (the admin's "End all sessions"). Deactivation and password changes are caught
  on the user's save, whatever path made them (a page, the admin, a command).
"""

from __future__ import annotations

import contextvars
import math
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import signals as auth_signals
from django.contrib.auth.hashers import check_password, is_password_usable
from django.contrib.auth.views import redirect_to_login
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import resolve_url
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import services
from .models import User

# Kept in the session (seconds since the epoch): when she signed in, and her last activity.
STARTED_AT = "tsunagari_started_at"
LAST_ACTIVITY = "tsunagari_last_activity"

IDLE = "idle"
ABSOLUTE = "absolute"


def idle_limit() -> float:
    return float(settings.SESSION_IDLE_MINUTES) * 60


def absolute_limit() -> float:
    return float(settings.SESSION_ABSOLUTE_HOURS) * 3600


def warning_lead() -> float:
    """Seconds before the deadline that the page warns: 3 minutes, less for a short limit."""
    return min(180.0, idle_limit() / 2)


def _write_interval() -> float:
    # Activity is written to the session at most once a minute (less for a short limit): one
    # session save per minute of work, not per request, at the price of a deadline up to a
    # minute early. The page is told the true remaining time, so it never warns late.
    return min(60.0, idle_limit() / 10)


def is_background(request: HttpRequest) -> bool:
    """A read the page's script made on its own (not a navigation): not activity."""
    mode = request.headers.get("Sec-Fetch-Mode")
    return request.method in ("GET", "HEAD") and mode is not None and mode != "navigate"


@dataclass(frozen=True)
class Remaining:
    """What the page is told (data attributes on <body>; the keep-alive's JSON), in seconds."""

    idle: int
    absolute: int
    warning: int

    def as_dict(self) -> dict[str, int]:
        return {"idle": self.idle, "absolute": self.absolute, "warning": self.warning}


def _remaining(session, now: float) -> Remaining:
    return Remaining(
        idle=max(0, math.floor(session[LAST_ACTIVITY] + idle_limit() - now)),
        absolute=max(0, math.floor(session[STARTED_AT] + absolute_limit() - now)),
        warning=math.floor(warning_lead()),
    )


def _touch(request: HttpRequest, now: float) -> None:
    request.session[LAST_ACTIVITY] = now
    # The supervisor's list shows the last page opened. A POST is followed by its redirect,
    # which records it, so a refused form changes no row.
    if request.method in ("GET", "HEAD"):
        services.user_session_seen(session_key=request.session.session_key)


def session_check(request: HttpRequest) -> str | None:
    """For a signed-in request: IDLE or ABSOLUTE when the session is over, else None (and
    the activity recorded, and `request.session_remaining` set for the page)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return None
    session, now = request.session, time.time()
    started, last = session.get(STARTED_AT), session.get(LAST_ACTIVITY)
    if not isinstance(started, (int, float)) or not isinstance(last, (int, float)):
        # A session from before these limits: they start counting now.
        session[STARTED_AT] = session[LAST_ACTIVITY] = started = last = now
    if now - started >= absolute_limit():
        return ABSOLUTE
    if now - last >= idle_limit():
        return IDLE
    if not is_background(request) and now - last >= _write_interval():
        _touch(request, now)
    request.session_remaining = _remaining(session, now)
    return None


def _wants_json(request: HttpRequest) -> bool:
    return is_background(request) or "application/json" in request.headers.get("Accept", "")


def expired_response(request: HttpRequest, reason: str) -> HttpResponse:
    """End the session, say why on the login page, and send her there (a script: 401)."""
    services.user_session_expire(request=request, reason=reason)
    if reason == IDLE:
        text = _("You were signed out after %(minutes)s minutes without activity.") % {
            "minutes": settings.SESSION_IDLE_MINUTES
        }
    else:
        text = _("You were signed out: a sign-in lasts at most %(hours)s hours.") % {
            "hours": settings.SESSION_ABSOLUTE_HOURS
        }
    messages.info(request, text)
    login_url = resolve_url(settings.LOGIN_URL)
    if _wants_json(request):
        return JsonResponse({"signed_out": True, "login_url": login_url}, status=401)
    if request.path == login_url:
        return HttpResponseRedirect(request.get_full_path())
    return redirect_to_login(request.get_full_path())


# --- the request being served, for the receivers below ---------------------------------------


@dataclass(frozen=True)
class _Serving:
    request: HttpRequest
    user_id: int | None
    session_key: str | None


_serving: contextvars.ContextVar[_Serving | None] = contextvars.ContextVar(
    "accounts_serving", default=None
)


@contextmanager
def serving(request: HttpRequest) -> Iterator[str | None]:
    """While a request is served, a save of a user knows who asked and from which session
    (the actor of a deactivation; the session a password change keeps)."""
    user = getattr(request, "user", None)
    key = request.session.session_key
    token = _serving.set(
        _Serving(request, user.pk if user is not None and user.is_authenticated else None, key)
    )
    try:
        yield key
    finally:
        _serving.reset(token)


def follow_key_change(request: HttpRequest, key_before: str | None) -> None:
    """A password change (update_session_auth_hash) or a second sign-in step cycles the key:
    the session's row follows it."""
    key_after = request.session.session_key
    if key_before and key_after and key_after != key_before:
        services.user_session_rekey(old_key=key_before, new_key=key_after)


# --- the keep-alive ------------------------------------------------------------------------


@require_POST
def keepalive(request: HttpRequest) -> JsonResponse:
    """'Stay signed in': counts as activity (the middleware has already checked the limits)
    and answers the time left. Signed out, the middleware answered 401 before this runs."""
    if not request.user.is_authenticated:
        return JsonResponse(
            {"signed_out": True, "login_url": resolve_url(settings.LOGIN_URL)}, status=401
        )
    now = time.time()
    request.session[LAST_ACTIVITY] = now
    return JsonResponse(_remaining(request.session, now).as_dict())


def keepalive_url() -> str:
    return reverse("accounts:session_keepalive")


# --- receivers: sign-in, sign-out, and saves that must end sessions --------------------------


@receiver(auth_signals.user_logged_in, dispatch_uid="accounts.sessions.logged_in")
def _logged_in(sender, request, user, **kwargs) -> None:
    session = request.session
    if session.session_key is None:  # flushed (another user signed in here): give it a key
        session.save()
    session[STARTED_AT] = session[LAST_ACTIVITY] = time.time()
    services.user_session_start(
        user=user,
        session_key=session.session_key,
        ip=request.META.get("REMOTE_ADDR") or None,
        user_agent=request.headers.get("User-Agent", ""),
    )


@receiver(auth_signals.user_logged_out, dispatch_uid="accounts.sessions.logged_out")
def _logged_out(sender, request, user, **kwargs) -> None:
    if request is not None and request.session.session_key:
        services.user_session_forget(session_key=request.session.session_key)


@receiver(pre_save, sender=User, dispatch_uid="accounts.sessions.user_pre_save")
def _before_user_save(sender, instance: User, raw=False, update_fields=None, **kwargs) -> None:
    instance._sessions_end_reason = None
    if raw or instance.pk is None:
        return
    fields = set(update_fields) if update_fields is not None else None
    if not instance.is_active and (fields is None or "is_active" in fields):
        if User.objects.filter(pk=instance.pk, is_active=True).exists():
            instance._sessions_end_reason = services.SessionsEnded.DEACTIVATED
            return
    raw_password = getattr(instance, "_password", None)  # set by set_password() until saved
    if raw_password is not None and (fields is None or "password" in fields):
        old = User.objects.filter(pk=instance.pk).values_list("password", flat=True).first()
        # A first password is no change, nor is a login re-hashing the same password with a
        # newer hasher (same password, new hash).
        if old and is_password_usable(old) and not check_password(raw_password, old):
            instance._sessions_end_reason = services.SessionsEnded.PASSWORD_CHANGED


@receiver(post_save, sender=User, dispatch_uid="accounts.sessions.user_post_save")
def _after_user_save(sender, instance: User, created=False, raw=False, **kwargs) -> None:
    reason = getattr(instance, "_sessions_end_reason", None)
    instance._sessions_end_reason = None
    if reason is None or created or raw:
        return
    current = _serving.get()
    request = current.request if current is not None else None
    actor = request.user if request is not None and current.user_id else None
    keep = None
    if reason == services.SessionsEnded.PASSWORD_CHANGED and current is not None:
        # She changed her own password: this session stays (Django's update_session_auth_hash
        # then gives it a new key), her other browsers are signed out.
        keep = current.session_key if current.user_id == instance.pk else None
    services.user_sessions_end_for_change(
        user=instance, reason=reason, by=actor, request=request, keep_session_key=keep
    )
