from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LineConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "line"
    label = "line"
    verbose_name = _("LINE consultation")
