"""Authorisation: the one module views, selectors, services, templates and the admin ask.

Two layers:
- roles: who holds which role, with one definition each (`is_supervisor` counts superusers,
  everywhere: pages, queries for recipients, the admin);
- capabilities: named questions (`can(user, "cases.view_client", client)`), registered by the
  app that owns the records in its `capabilities.py` (see `core.registry.Capability`).
  Views, selectors, services, forms, templates (`{% load authz %}{% if user|can:"..." %}`) and
  the admin site ask these; record-level ones delegate to the app's scoped selectors.

Who sees which records (least access; the querysets are `cases.selectors.access`):
- a supervisor sees everything, and needs no break-glass;
- a counselor sees her own clients and cases: clients she is assigned to, clients on whose case
  she works, and those cases. Nothing else: the intake queue (active clients nobody is assigned
  to) is not hers. Intake shows such a woman as a minimal line only (nickname, last contact,
  waiting since, "urgent" when a risk flag is in force, never which one, her phone or notes);
  from it she takes her on in one click (`cases.take_on_client`: then she is hers) or opens the
  record before taking her on by break-glass (`cases.break_glass_client`): she states a reason,
  `audit.BreakGlassAccess` and a security event are written, and for `BREAK_GLASS_MINUTES` the
  client, her consultations and her cases are in her scope (a banner says so on the record);
  supervisors review these openings (`cases.review_break_glass`). Opening the record's URL
  without a grant is 404 like any other record that is not hers;
- a coordinator sees counts only; an expert only what is referred to her.

The answer for "not yours" is always 404, never 403, so a page or record gives no hint that it
exists: `require` and `get_or_deny` raise `Denied`, a 404 that the access log records as a
security event (`audit.middleware`), so probing shows up. Services raise PermissionDenied for
their callers, but decide it with `can`.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import models
from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import render

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


class Denied(Http404):
    """A 404 for what the user may not see or do. It carries what was tried (object type and
    the attempted id, or the capability for a kind of page), never the request's content."""

    def __init__(self, object_type: str | type[models.Model], object_id: object = "") -> None:
        if isinstance(object_type, type) and issubclass(object_type, models.Model):
            object_type = object_type._meta.label_lower
        self.object_type: str = str(object_type)
        self.object_id: str = "" if object_id is None else str(object_id)
        super().__init__(self.object_type)


def require(user: Any, capability: str, obj: Any = None) -> None:
    """404 (`Denied`) unless `can(user, capability, obj)`."""
    if not can(user, capability, obj):
        if isinstance(obj, models.Model):
            raise Denied(type(obj), obj.pk)
        raise Denied(capability)


def get_or_deny(queryset: QuerySet, pk: object) -> Any:
    """The row `pk` of a queryset already scoped to the user, or `Denied` (404) for a row she
    may not see, one that does not exist and a malformed id alike: no hint which it was."""
    try:
        return queryset.get(pk=pk)
    except (ObjectDoesNotExist, ValueError, TypeError, ValidationError):
        raise Denied(queryset.model, pk) from None


class DeniedPageMiddleware:
    """A `Denied` answers the project's own 404 page, with DEBUG on too: it is a permission
    answer, not a missing URL, and Django's debug page would list the URL patterns. It sits
    above the access-log middleware, whose `process_exception` (run first) records the row."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception: Exception):
        if not isinstance(exception, Denied):
            return None
        return render(request, "404.html", status=404)
