"""The one way a view that shows personal data records the access."""

from __future__ import annotations

from functools import wraps

from django.db import models

from .models import AccessLog
from .services import access_log_record


def logs_access(
    action: str,
    object_type: str | type[models.Model],
    *,
    id_kwarg: str | None = None,
    id_param: str | None = None,
):
    """Write an AccessLog row after a successful (2xx) response.

    `action` "list" becomes "search" when the request carries a search term (`q`); the term
    itself is not stored, since it is often a name or a phone number. The object id comes from
    the URL keyword `id_kwarg`, or from the query parameter `id_param` (e.g. `?client=12`).
    """

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            response = view(request, *args, **kwargs)
            if 200 <= response.status_code < 300 and request.user.is_authenticated:
                effective = action
                if action == AccessLog.Action.LIST and request.GET.get("q", "").strip():
                    effective = AccessLog.Action.SEARCH
                if id_kwarg:
                    object_id = kwargs.get(id_kwarg, "")
                elif id_param:
                    object_id = request.GET.get(id_param, "")[:40]
                else:
                    object_id = ""
                access_log_record(
                    request=request, action=effective, object_type=object_type, object_id=object_id
                )
            return response

        wrapped.logs_access = (action, object_type)  # lets a test find undecorated views
        return wrapped

    return decorator
