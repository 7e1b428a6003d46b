from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from . import lockout, sessions  # noqa: F401  (sessions: its receivers connect)
        from .roles import sync_role_permissions

        lockout.connect()

        post_migrate.connect(sync_role_permissions, dispatch_uid="accounts.sync_role_permissions")
