from __future__ import annotations

from django.db import models

from core import authz

from .models import AccessLog, BreakGlassAccess, SecurityEvent


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
    user = request.user
    return AccessLog.objects.create(
        user=user,
        username=user.get_username(),
        roles=",".join(
            sorted(authz.role_codes(user) | ({"superuser"} if user.is_superuser else set()))
        ),
        action=action,
        object_type=_printable(object_type, 60),
        object_id=_printable(object_id, 40),
        ip=client_ip(request),
        request_id=getattr(request, "request_id", ""),
    )


def security_event_record(
    *,
    kind: str,
    request=None,
    user=None,
    actor=None,
    username: str = "",
    detail: str = "",
) -> SecurityEvent:
    """Record a security event. Never pass a password, a code or a record's content."""
    return SecurityEvent.objects.create(
        kind=kind,
        user=user if user is not None and getattr(user, "pk", None) else None,
        actor=actor if actor is not None and getattr(actor, "pk", None) else None,
        username=_printable(username, 150),
        ip=client_ip(request) if request is not None else None,
        request_id=getattr(request, "request_id", "") if request is not None else "",
        detail=_printable(detail, 200),
    )


def break_glass_record(
    *,
    request,
    object_type: str | type[models.Model],
    object_id: object,
    reason: str,
    expires_at,
) -> BreakGlassAccess:
    """She opens a record outside her scope and says why: the grant row and its security
    event, in one transaction (the caller's)."""
    if isinstance(object_type, type) and issubclass(object_type, models.Model):
        object_type = object_type._meta.label_lower
    grant = BreakGlassAccess.objects.create(
        user=request.user,
        object_type=_printable(object_type, 60),
        object_id=_printable(object_id, 40),
        reason=reason,
        expires_at=expires_at,
        ip=client_ip(request),
        request_id=getattr(request, "request_id", ""),
    )
    security_event_record(
        kind=SecurityEvent.Kind.BREAK_GLASS,
        request=request,
        user=request.user,
        detail=f"{grant.object_type}:{grant.object_id}",
    )
    return grant
