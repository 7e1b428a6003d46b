from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """The yearly report to the city: the figures every app registers, on one page, in one
    command and in downloads. The top layer: it reads through `core.registry` only."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "reports"
    verbose_name = _("Reports")
