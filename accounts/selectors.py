"""Reads of staff: who holds which role (the definition is `core.authz.role_q`)."""

from __future__ import annotations

from django.db.models import QuerySet

from core import authz
from core.roles import Role

from .models import User


def users_with_roles(*roles: str) -> QuerySet[User]:
    """Active users holding any of `roles` (superusers for supervisor), for choice fields and
    counts."""
    return User.objects.filter(authz.role_q(*roles)).distinct().order_by("display_name", "username")


def supervisors_to_notify() -> list[User]:
    """Active supervisors and superusers, in a stable order (the recipients of escalations)."""
    return list(User.objects.filter(authz.role_q(Role.SUPERVISOR)).distinct().order_by("pk"))


def staff_for(user: User) -> QuerySet[User]:
    """The staff accounts `user` manages (`accounts.manage_staff`), roles prefetched, active
    first. A superuser account is managed by superusers only: a supervisor cannot lock out or
    take over the administrators above her."""
    if not authz.can(user, "accounts.manage_staff"):
        return User.objects.none()
    rows = User.objects.prefetch_related("groups").order_by(
        "-is_active", "display_name", "username"
    )
    if not user.is_superuser:
        rows = rows.filter(is_superuser=False)
    return rows
