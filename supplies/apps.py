from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SuppliesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "supplies"
    verbose_name = _("Supplies")
