"""Referrals (planned): who is waiting for them (asked through `core.authz`)."""

from __future__ import annotations

from core import authz, registry

registry.capabilities.register(
    registry.Capability(
        "referrals.receive_referrals",
        lambda user, obj: authz.is_expert(user) and not authz.can(user, "cases.work_with_clients"),
        "Sees only what is referred to her: experts who do no casework.",
    )
)
