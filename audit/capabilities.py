"""Who may read the audit trail (asked through `core.authz`)."""

from __future__ import annotations

from typing import Any

from core import authz, registry


def _supervisor(user: Any, obj: Any = None) -> bool:
    return authz.is_supervisor(user)


registry.capabilities.register(
    registry.Capability(
        "audit.review_access",
        _supervisor,
        "Who accessed a record, what a user touched, and the security events: supervisors.",
    )
)
