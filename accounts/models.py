import pghistory
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from core import authz
from core.append_only import append_only_history


# Staff names and e-mail addresses are personal data too; passwords are never snapshotted.
@pghistory.track(
    exclude=["password", "last_login"],
    meta={
        **append_only_history(),
        "verbose_name": _("user history"),
        "verbose_name_plural": _("user history"),
    },
)
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


class UserSession(models.Model):
    """One signed-in session of a user, so that all of hers can be listed and ended (on
    deactivation, a password change, or by a supervisor). The session itself stays in Django's
    session store; this row only points at it."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("user")
    )
    session_key = models.CharField(_("session key"), max_length=40, unique=True)
    started_at = models.DateTimeField(_("signed in at"), auto_now_add=True)
    last_seen_at = models.DateTimeField(_("last active at"), auto_now_add=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        ordering = ["-last_seen_at"]

    def __str__(self) -> str:
        return f"{self.user_id} {self.started_at:%Y-%m-%d %H:%M}"
