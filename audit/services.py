from __future__ import annotations

import functools
from ipaddress import IPv4Network, IPv6Network, ip_address, ip_network

from django.conf import settings
from django.db import models

from core import authz

from .models import AccessLog, BreakGlassAccess, SecurityEvent


@functools.cache
def _networks(configured: tuple[str, ...]) -> tuple[IPv4Network | IPv6Network, ...]:
    return tuple(ip_network(entry.strip(), strict=False) for entry in configured)


def _is_trusted_proxy(address: str) -> bool:
    try:
        ip = ip_address(address.strip())
    except ValueError:
        return False
    return any(ip in network for network in _networks(tuple(settings.TRUSTED_PROXY_IPS)))


def from_trusted_proxy(request) -> bool:
    """Whether the direct peer is one of our reverse proxies (`TRUSTED_PROXY_IPS`), whose
    X-Request-ID and X-Forwarded-For we may believe. Anyone else can send those headers."""
    return _is_trusted_proxy(request.META.get("REMOTE_ADDR", ""))


def client_ip(request) -> str | None:
    """The address of whoever sent the request.

    The direct peer's, unless that peer is a trusted proxy: then the address the proxy added
    to X-Forwarded-For, read from the right (each proxy appends the peer it saw) past our own
    proxies. What the client put at the left of that header is never believed."""
    peer = request.META.get("REMOTE_ADDR") or None
    if peer is None or not from_trusted_proxy(request):
        return peer
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    for hop in reversed(hops):
        if not _is_trusted_proxy(hop):
            try:
                return str(ip_address(hop))
            except ValueError:
                return peer  # a malformed hop: keep what we know, the proxy's address
    return peer


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
