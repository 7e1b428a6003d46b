"""Lockout after repeated failed sign-ins (django-axes), and its security events.

django-axes counts failures per username and address (settings: AXES_*). Every failure is
recorded as a `login_failed` security event with the username typed, the address and the
request id — never the password — and the moment a pair is locked as `locked_out`.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from audit.models import SecurityEvent
from audit.services import security_event_record

from .models import User


def _account(username: str) -> User | None:
    # The account the typed name belongs to, if any (the event's `user`); what the visitor sees
    # never depends on it.
    return User.objects.filter(username=username).first() if username else None


@receiver(user_login_failed, dispatch_uid="accounts.lockout.login_failed")
def _record_login_failure(sender, credentials: dict, request: HttpRequest | None = None, **kw):
    username = str(credentials.get("username") or "")
    security_event_record(
        kind=SecurityEvent.Kind.LOGIN_FAILED,
        request=request,
        user=_account(username),
        username=username,
        detail="while locked" if getattr(request, "axes_locked_out", False) else "",
    )


def _record_lockout(sender, request=None, username=None, ip_address=None, **kwargs) -> None:
    # axes signals a lockout at the failure that reaches the limit and again at every failure
    # during it: the lockout itself is the one that reaches the limit.
    if getattr(request, "axes_failures_since_start", None) != settings.AXES_FAILURE_LIMIT:
        return
    username = str(username or "")
    security_event_record(
        kind=SecurityEvent.Kind.LOCKED_OUT,
        request=request,
        user=_account(username),
        username=username,
    )


def connect() -> None:
    from axes.signals import user_locked_out

    user_locked_out.connect(_record_lockout, dispatch_uid="accounts.lockout.locked_out")


def lockout_response(
    request: HttpRequest, original_response=None, credentials=None
) -> HttpResponse:
    """The page for a locked username and address: the same words whether or not the account
    exists (django-axes calls this, AXES_LOCKOUT_CALLABLE)."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "accounts/locked_out.html", {"minutes": minutes}, status=429)


def user_unlock(*, user: User, by: User, request=None) -> int:
    """A supervisor lifts the lockout of her username, from every address. Returns how many
    counted failures were forgotten."""
    from axes.utils import reset

    removed = reset(username=user.get_username())
    security_event_record(
        kind=SecurityEvent.Kind.UNLOCKED, request=request, user=user, actor=by, detail=str(removed)
    )
    return removed
