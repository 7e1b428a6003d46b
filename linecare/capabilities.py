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
registry.capabilities.register(
    registry.Capability(
        "linecare.view_broadcasts",
        lambda user, obj: authz.is_coordinator(user) or authz.is_supervisor(user),
        "Outreach broadcasts, their recipients' counts and delivery: coordinators and "
        "supervisors (not counselors or experts).",
    )
)
registry.capabilities.register(
    registry.Capability(
        "linecare.compose_broadcasts",
        lambda user, obj: authz.is_coordinator(user) or authz.is_supervisor(user),
        "Writing a broadcast and submitting it for approval: coordinators (and supervisors).",
    )
)
registry.capabilities.register(
    registry.Capability(
        "linecare.approve_broadcasts",
        lambda user, obj: authz.is_supervisor(user),
        "Approving a broadcast (never one's own) or sending it back: supervisors.",
    )
)
