"""Reports: who may read the programme's figures (asked through `core.authz`)."""

from __future__ import annotations

from core import authz, registry


def _downloads_any_list(user, obj=None) -> bool:
    return any(authz.can(user, export.capability) for export in registry.list_exports)


registry.capabilities.register(
    registry.Capability(
        "reports.view_kpi",
        lambda user, obj: authz.is_supervisor(user),
        "The yearly report to the city and its downloads: supervisors.",
    )
)
registry.capabilities.register(
    registry.Capability(
        "reports.view_downloads",
        _downloads_any_list,
        "The downloads page, listing the lists she may download: anyone who may download one.",
    )
)
