"""Deployment checks of our own (`manage.py check --deploy`), beside Django's.

SECURITY.md explains why the data is protected by encrypted storage and TLS rather than
column encryption; these checks catch the part of that a setting can show."""

from __future__ import annotations

from django.conf import settings
from django.core import checks

_LOCAL_HOSTS = {"", "localhost", "127.0.0.1", "::1"}
_TLS_MODES = {"require", "verify-ca", "verify-full"}


@checks.register(checks.Tags.security, deploy=True)
def database_connection_uses_tls(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """A database on another host must be reached over TLS: the data would otherwise cross the
    network in the clear. A unix socket (a host starting with "/") or loopback is local."""
    problems = []
    for alias, db in settings.DATABASES.items():
        host = str(db.get("HOST") or "")
        if host.startswith("/") or host in _LOCAL_HOSTS:
            continue
        if db.get("OPTIONS", {}).get("sslmode") not in _TLS_MODES:
            problems.append(
                checks.Warning(
                    f"The database {alias!r} is on another host ({host}) without TLS.",
                    hint="Add ?sslmode=verify-full (or require) to DATABASE_URL; see SECURITY.md.",
                    id="tsunagari.W001",
                )
            )
    return problems
