"""Reports: who may read the programme's figures (asked through `core.authz`)."""

from __future__ import annotations

from core import authz, registry

registry.capabilities.register(
    registry.Capability(
        "reports.view_kpi",
        lambda user, obj: authz.is_supervisor(user),
        "The yearly report to the city and its downloads: supervisors.",
    )
)
