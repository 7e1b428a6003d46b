from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OpeningsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "openings"
    verbose_name = _("Opening calendar")
