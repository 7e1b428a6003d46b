from __future__ import annotations

from django.db import models

from .models import AccessLog


def client_ip(request) -> str | None:
    # The direct peer's address. Behind a reverse proxy this is the proxy's address: we never
    # trust a client-supplied X-Forwarded-For, which anyone can forge.
    return request.META.get("REMOTE_ADDR") or None


def _printable(value: object, limit: int) -> str:
    # An attempted id may be anything a prober typed: keep it short and printable.
    text = "" if value is None else str(value)
    return "".join(ch for ch in text if ch.isprintable())[:limit]


def access_log_record(
    *,
    request,
    action: str,
    object_type: str | type[models.Model],
    object_id: object = "",
) -> AccessLog:
    if isinstance(object_type, type) and issubclass(object_type, models.Model):
        object_type = object_type._meta.label_lower
    return AccessLog.objects.create(
        user=request.user,
        action=action,
        object_type=_printable(object_type, 60),
        object_id=_printable(object_id, 40),
        ip=client_ip(request),
        request_id=getattr(request, "request_id", ""),
    )
