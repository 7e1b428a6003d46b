import pghistory
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.roles import Role


# Staff names and e-mail addresses are personal data too; passwords are never snapshotted.
@pghistory.track(exclude=["password", "last_login"])
class User(AbstractUser):
    """A staff member. A user may hold several roles (groups)."""

    class Language(models.TextChoices):
        JA = "ja", "日本語"
        EN = "en", "English"

    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    language = models.CharField(
        _("language"), max_length=5, choices=Language.choices, default=Language.JA
    )
    daily_digest = models.BooleanField(
        _("morning digest of follow-ups"),
        default=True,
        help_text=_("Receive an email each morning listing the day's follow-ups."),
    )

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.get_username()

    @property
    def role_codes(self) -> frozenset[str]:
        # Cached per instance: navigation and selectors ask several times per request.
        if not hasattr(self, "_role_codes"):
            self._role_codes = frozenset(self.groups.values_list("name", flat=True))
        return self._role_codes

    def has_role(self, role: str) -> bool:
        return self.is_active and role in self.role_codes

    @property
    def is_counselor(self) -> bool:
        return self.has_role(Role.COUNSELOR)

    @property
    def is_coordinator(self) -> bool:
        return self.has_role(Role.COORDINATOR)

    @property
    def is_supervisor(self) -> bool:
        return self.is_active and (self.is_superuser or Role.SUPERVISOR in self.role_codes)

    @property
    def is_expert(self) -> bool:
        return self.has_role(Role.EXPERT)
