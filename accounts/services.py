import secrets
from importlib import import_module

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from audit.models import SecurityEvent
from audit.services import security_event_record
from core import authz
from core.roles import Role

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


# --- staff accounts, managed by a supervisor (accounts.manage_staff) --------------------------

# Readable letters and digits, without look-alikes (0/O, 1/l/I): she types it once from paper.
_PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789"
GENERATED_PASSWORD_LENGTH = 16


def staff_password_generate() -> str:
    return "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(GENERATED_PASSWORD_LENGTH))


def _refuse_unless_manager(by: User, user: User | None = None) -> None:
    if not authz.can(by, "accounts.manage_staff"):
        raise PermissionDenied("accounts.manage_staff")
    if user is not None and user.is_superuser and not by.is_superuser:
        raise PermissionDenied("accounts.manage_staff: superuser")


def _roles_set(user: User, roles: list[str]) -> None:
    # The groups are created by a data migration; get_or_create keeps a flushed test database
    # working too.
    user.groups.set([Group.objects.get_or_create(name=Role(role).value)[0] for role in roles])


@transaction.atomic
def staff_create(
    *,
    username: str,
    display_name: str,
    email: str,
    language: str,
    roles: list[str],
    password: str | None,
    by: User,
    request=None,
) -> tuple[User, str | None]:
    """A new staff account with its roles. Without a password one is generated and returned
    (to be shown once and never stored in the clear); she enrols two-step verification at her
    first sign-in. A `user_created` security event names the supervisor and the roles."""
    _refuse_unless_manager(by)
    generated = None
    if not password:
        password = generated = staff_password_generate()
    user = User(username=username, display_name=display_name, email=email, language=language)
    user.set_password(password)
    user.save()
    _roles_set(user, roles)
    security_event_record(
        kind=SecurityEvent.Kind.USER_CREATED,
        request=request,
        user=user,
        actor=by,
        detail=",".join(sorted(roles)),
    )
    return user, generated


@transaction.atomic
def staff_update(
    *, user: User, display_name: str, email: str, roles: list[str], by: User, request=None
) -> User:
    """Her name, e-mail and roles. A change of roles is a `roles_changed` security event."""
    _refuse_unless_manager(by, user)
    # Locks her row: two supervisors saving at once would each record the other's roles as
    # the "before" of their change.
    user = User.objects.select_for_update().get(pk=user.pk)
    before = sorted(user.groups.values_list("name", flat=True))
    user.display_name = display_name
    user.email = email
    user.save(update_fields=["display_name", "email"])
    if sorted(roles) != before:
        _roles_set(user, roles)
        security_event_record(
            kind=SecurityEvent.Kind.ROLES_CHANGED,
            request=request,
            user=user,
            actor=by,
            detail=f"{','.join(before)} -> {','.join(sorted(roles))}",
        )
    return user


@transaction.atomic
def staff_deactivate(*, user: User, by: User, request=None) -> User:
    """She can no longer sign in. Saving `is_active` is caught by accounts.sessions, which
    writes the `user_deactivated` event and ends every session of hers, whatever path saved
    it; a supervisor cannot deactivate herself (nobody would be left to undo it)."""
    _refuse_unless_manager(by, user)
    if user.pk == by.pk:
        raise PermissionDenied("accounts.manage_staff: herself")
    # Locks her row: a reactivation at the same moment waits, so the last word is recorded.
    user = User.objects.select_for_update().get(pk=user.pk)
    if user.is_active:
        user.is_active = False
        user.save(update_fields=["is_active"])
    return user


@transaction.atomic
def staff_reactivate(*, user: User, by: User, request=None) -> User:
    _refuse_unless_manager(by, user)
    # Locks her row: see staff_deactivate.
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.is_active:
        user.is_active = True
        user.save(update_fields=["is_active"])
        security_event_record(
            kind=SecurityEvent.Kind.USER_REACTIVATED, request=request, user=user, actor=by
        )
    return user


@transaction.atomic
def staff_password_set(*, user: User, password: str | None, by: User, request=None) -> str | None:
    """A new password for her (she forgot hers): the one given, or a generated one, returned
    to be shown once. The save is caught by accounts.sessions: a `password_changed` event and
    every session of hers ended."""
    _refuse_unless_manager(by, user)
    generated = None
    if not password:
        password = generated = staff_password_generate()
    # Locks her row: her own password change at the same moment waits for this one.
    user = User.objects.select_for_update().get(pk=user.pk)
    user.set_password(password)
    user.save(update_fields=["password"])
    return generated
