"""Authorisation: the one module views, selectors, services, templates and the admin ask.

Two layers:
- roles: who holds which role, with one definition each (`is_supervisor` counts superusers,
  everywhere: pages, queries for recipients, the admin);
- capabilities: named questions (`can(user, "cases.view_client", client)`), registered by the
  app that owns the records in its `extensions.py` (see `core.registry.Capability`).

The answer for "not yours" is always 404 (`require`), never 403, so a page or record gives no
hint that it exists.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.http import Http404

from . import registry
from .roles import Role


def _active(user: Any) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def role_codes(user: Any) -> frozenset[str]:
    """The role names the user holds (cached on the user object for the request)."""
    if not _active(user):
        return frozenset()
    if not hasattr(user, "_role_codes"):
        user._role_codes = frozenset(user.groups.values_list("name", flat=True))
    return user._role_codes


def has_role(user: Any, role: str) -> bool:
    """Whether she holds `role`. A superuser counts as a supervisor, and as nothing else."""
    if not _active(user):
        return False
    if role == Role.SUPERVISOR and user.is_superuser:
        return True
    return role in role_codes(user)


def is_supervisor(user: Any) -> bool:
    return has_role(user, Role.SUPERVISOR)


def is_counselor(user: Any) -> bool:
    return has_role(user, Role.COUNSELOR)


def is_coordinator(user: Any) -> bool:
    return has_role(user, Role.COORDINATOR)


def is_expert(user: Any) -> bool:
    return has_role(user, Role.EXPERT)


def is_staff_member(user: Any) -> bool:
    """Holds any role at all (a signed-in account with none sees only its profile)."""
    return _active(user) and (user.is_superuser or bool(role_codes(user)))


def role_q(*roles: str, prefix: str = "") -> Q:
    """A filter on User for active holders of any of `roles` (superusers for supervisor), the
    same definition as `has_role`. `prefix` ("assignee__") filters a related user."""
    q = Q(**{f"{prefix}groups__name__in": list(roles)})
    if Role.SUPERVISOR in roles:
        q |= Q(**{f"{prefix}is_superuser": True})
    return q & Q(**{f"{prefix}is_active": True})


def can(user: Any, capability: str, obj: Any = None) -> bool:
    """May `user` do `capability` (to `obj`)? An unknown name is a programming error."""
    check = registry.capabilities.get(capability).check
    return _active(user) and bool(check(user, obj))


def require(user: Any, capability: str, obj: Any = None) -> None:
    """404 unless `can(user, capability, obj)`."""
    if not can(user, capability, obj):
        raise Http404
