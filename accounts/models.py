import pghistory
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from core import authz


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

    # The role questions are answered by `core.authz` (one definition each: a superuser counts
    # as a supervisor everywhere); these spell them for code that holds a user.
    @property
    def role_codes(self) -> frozenset[str]:
        return authz.role_codes(self)

    def has_role(self, role: str) -> bool:
        return authz.has_role(self, role)

    @property
    def is_counselor(self) -> bool:
        return authz.is_counselor(self)

    @property
    def is_coordinator(self) -> bool:
        return authz.is_coordinator(self)

    @property
    def is_supervisor(self) -> bool:
        return authz.is_supervisor(self)

    @property
    def is_expert(self) -> bool:
        return authz.is_expert(self)
