from importlib import import_module

from django.conf import settings
from django.contrib.auth import logout
from django.db import transaction
from django.utils import timezone

from audit.models import SecurityEvent
from audit.services import security_event_record

from .models import User, UserSession


@transaction.atomic
def user_update_profile(
    *, user: User, display_name: str, language: str, daily_digest: bool
) -> User:
    user.display_name = display_name
    user.language = language
    user.daily_digest = daily_digest
    user.save(update_fields=["display_name", "language", "daily_digest"])
    return user


# --- signed-in sessions (the rules are in accounts/sessions.py) ------------------------------


class SessionsEnded:
    """Why a user's sessions were ended (the security event's detail)."""

    DEACTIVATED = "deactivated"
    PASSWORD_CHANGED = "password_changed"
    BY_SUPERVISOR = "by_supervisor"


def _session_store():
    return import_module(settings.SESSION_ENGINE).SessionStore


@transaction.atomic
def user_session_start(
    *, user: User, session_key: str, ip: str | None, user_agent: str
) -> UserSession:
    # The second sign-in step signs in again on the same key: one row per session still.
    row, _ = UserSession.objects.update_or_create(
        session_key=session_key, defaults={"user": user, "ip": ip, "user_agent": user_agent[:200]}
    )
    return row


def user_session_seen(*, session_key: str | None) -> None:
    if session_key:
        UserSession.objects.filter(session_key=session_key).update(last_seen_at=timezone.now())


def user_session_forget(*, session_key: str) -> None:
    UserSession.objects.filter(session_key=session_key).delete()


def user_session_rekey(*, old_key: str, new_key: str) -> None:
    UserSession.objects.filter(session_key=old_key).update(session_key=new_key)


@transaction.atomic
def user_session_expire(*, request, reason: str) -> None:
    """The session outlived a limit ("idle" or "absolute"): recorded, then signed out (which
    removes its row through the sign-out signal)."""
    security_event_record(
        kind=SecurityEvent.Kind.SESSION_EXPIRED, request=request, user=request.user, detail=reason
    )
    logout(request)


@transaction.atomic
def user_sessions_end(
    *,
    user: User,
    reason: str = SessionsEnded.BY_SUPERVISOR,
    by: User | None = None,
    request=None,
    keep_session_key: str | None = None,
) -> int:
    """End every signed-in session of `user` (the stored sessions are deleted, so each of her
    browsers is signed out at its next request), except `keep_session_key`. Recorded as a
    `sessions_ended` security event with the reason and the count; returns the count."""
    # Locks her rows: a sign-in finishing meanwhile is ended too or waits for the next call.
    rows = UserSession.objects.select_for_update().filter(user=user)
    if keep_session_key:
        rows = rows.exclude(session_key=keep_session_key)
    keys = list(rows.values_list("session_key", flat=True))
    store = _session_store()
    for key in keys:
        store(session_key=key).delete()
    UserSession.objects.filter(session_key__in=keys).delete()
    security_event_record(
        kind=SecurityEvent.Kind.SESSIONS_ENDED,
        request=request,
        user=user,
        actor=by,
        detail=f"{reason}: {len(keys)}",
    )
    return len(keys)


@transaction.atomic
def user_sessions_end_for_change(
    *, user: User, reason: str, by: User | None, request, keep_session_key: str | None
) -> int:
    """A deactivation or a password change, whatever path saved it: the change itself as a
    security event, then her sessions ended."""
    kind = (
        SecurityEvent.Kind.USER_DEACTIVATED
        if reason == SessionsEnded.DEACTIVATED
        else SecurityEvent.Kind.PASSWORD_CHANGED
    )
    security_event_record(kind=kind, request=request, user=user, actor=by)
    return user_sessions_end(
        user=user, reason=reason, by=by, request=request, keep_session_key=keep_session_key
    )
