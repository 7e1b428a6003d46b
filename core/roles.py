"""The staff roles. Each is a Django group of the same name (created by a data migration)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    COUNSELOR = "counselor", _("Counselor")  # 相談員
    COORDINATOR = "coordinator", _("Coordinator")  # コーディネーター
    SUPERVISOR = "supervisor", _("Supervisor")  # スーパーバイザー
    EXPERT = "expert", _("Expert")  # 専門相談員
