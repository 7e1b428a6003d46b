"""Reads of staff: who holds which role."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from core.roles import Role

from .models import User


def users_with_roles(*roles: str) -> QuerySet[User]:
    """Active users holding any of `roles`, by name (for choice fields and counts)."""
    return (
        User.objects.filter(is_active=True, groups__name__in=roles)
        .distinct()
        .order_by("display_name", "username")
    )


def supervisors_to_notify() -> list[User]:
    """Active supervisors and superusers, in a stable order (the recipients of escalations)."""
    return list(
        User.objects.filter(is_active=True)
        .filter(Q(groups__name=Role.SUPERVISOR) | Q(is_superuser=True))
        .distinct()
        .order_by("pk")
    )
