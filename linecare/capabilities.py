"""LINE care: who may do what (asked through `core.authz`)."""

from __future__ import annotations

from core import authz, registry

registry.capabilities.register(
    registry.Capability(
        "linecare.edit_risk_expressions",
        lambda user, obj: authz.is_coordinator(user) or authz.is_supervisor(user),
        "The triage list of risk expressions and its test box: coordinators and supervisors.",
    )
)
