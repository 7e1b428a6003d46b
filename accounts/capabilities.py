"""Account-wide questions (asked through `core.authz`)."""

from __future__ import annotations

from core import authz, registry

registry.capabilities.register(
    registry.Capability(
        "accounts.use_admin",
        lambda user, obj: authz.is_supervisor(user),
        "Enter the admin site (each model then by its Django model permissions): supervisors.",
    )
)
registry.capabilities.register(
    registry.Capability(
        "accounts.hold_role",
        lambda user, obj: authz.is_staff_member(user),
        "Holds a role at all (an account without one sees only its profile).",
    )
)
registry.capabilities.register(
    registry.Capability(
        "accounts.reset_mfa",
        lambda user, obj: authz.is_supervisor(user),
        "Reset another user's two-step verification (she enrols again): supervisors.",
    )
)
registry.capabilities.register(
    registry.Capability(
        "accounts.unlock_user",
        lambda user, obj: authz.is_supervisor(user),
        "Lift a sign-in lockout: supervisors.",
    )
)
registry.capabilities.register(
    registry.Capability(
        "accounts.end_sessions",
        lambda user, obj: authz.is_supervisor(user),
        "See another user's signed-in sessions and end them all: supervisors.",
    )
)
registry.capabilities.register(
    registry.Capability(
        "accounts.manage_staff",
        lambda user, obj: authz.is_supervisor(user),
        "Create staff accounts, change their roles, deactivate and reactivate them, set a new "
        "password, reset two-step verification and unlock sign-in (in the app): supervisors.",
    )
)
