"""What the notifications app contributes to the shared extension points (`core.registry`)."""

from celery.schedules import crontab

from core import registry
from core.roles import Role

# --- periodic work: e-mails whose message was lost are sent again ---------------------------
registry.periodic_tasks.register(
    registry.PeriodicTask(
        key="notifications-retry-emails",
        task="notifications.tasks.retry_emails",
        schedule=crontab(minute="*/5"),
    )
)

# --- the admin ----------------------------------------------------------------------------
registry.grant_models(
    Role.SUPERVISOR, "notifications", {"notification": ("view",), "digestrun": ("view",)}
)
