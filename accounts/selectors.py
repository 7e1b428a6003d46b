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
