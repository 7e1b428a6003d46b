from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LinecareConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "linecare"
    label = "linecare"
    verbose_name = _("LINE care")
