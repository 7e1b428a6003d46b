"""Who may act on a notification (asked through `core.authz`)."""

from __future__ import annotations

from core import registry

registry.capabilities.register(
    registry.Capability(
        "notifications.read_notification",
        lambda user, notification: notification is not None and notification.user_id == user.pk,
        "Open or mark read a notification: its recipient only.",
    )
)
