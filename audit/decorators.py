"""How a page declares the personal data it shows; `audit.middleware.AccessLogMiddleware`
writes the row, in one place, for every page so declared.

    @login_required
    @logs_access(AccessLog.Action.VIEW, Client, id_kwarg="pk")
    def client_detail(request, pk): ...

The declaration is an attribute of the view (`view.access_log`, kept by `functools.wraps`
through the other decorators), so nothing wraps the response and a test can list the views
that declare nothing. The admin site declares its changelist, change and history pages the
same way, per request (`tsunagari.admin`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db import models
from django.http import HttpRequest

from .models import AccessLog


@dataclass(frozen=True)
class AccessSpec:
    """What a page shows: `action` on `object_type`, the id from the URL keyword `id_kwarg`
    or the request parameter `id_param` (e.g. `?client=12`)."""

    action: str
    object_type: str
    id_kwarg: str | None = None
    id_param: str | None = None

    @property
    def model(self) -> type[models.Model] | None:
        """The model named by `object_type`, when it names one."""
        try:
            return apps.get_model(self.object_type)
        except (LookupError, ValueError):
            return None

    def row(self, request: HttpRequest, kwargs: Mapping[str, Any]) -> tuple[str, str, object]:
        """(action, object type, object id) for this request. A list with a search term is a
        "search"; the term itself is never stored (it is often a name or a phone number)."""
        action = self.action
        if action == AccessLog.Action.LIST and request.GET.get("q", "").strip():
            action = AccessLog.Action.SEARCH
        object_id: object = ""
        if self.id_kwarg:
            object_id = kwargs.get(self.id_kwarg, "")
        elif self.id_param:
            # A form posted back to its page may carry the id in the body instead.
            object_id = request.GET.get(self.id_param) or request.POST.get(self.id_param, "")
        return action, self.object_type, object_id


def _label(object_type: str | type[models.Model]) -> str:
    if isinstance(object_type, type) and issubclass(object_type, models.Model):
        return object_type._meta.label_lower
    return str(object_type)


def logs_access(
    action: str,
    object_type: str | type[models.Model],
    *,
    id_kwarg: str | None = None,
    id_param: str | None = None,
) -> Callable:
    """Declare that the view shows personal data: every response it renders (2xx, or a form
    re-rendered with its errors, 400) writes one AccessLog row; a redirect, a refusal or an
    error writes none."""
    spec = AccessSpec(action, _label(object_type), id_kwarg, id_param)

    def decorator(view: Callable) -> Callable:
        view.access_log = spec
        return view

    return decorator


def declare(request: HttpRequest, spec: AccessSpec, kwargs: Mapping[str, Any]) -> None:
    """Mark this request as showing what `spec` says (the middleware reads it afterwards)."""
    request.access_log = (spec, dict(kwargs))
