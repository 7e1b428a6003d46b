import pgtrigger
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AccessLog(models.Model):
    """Who looked at which personal data, and when, and who was refused (action "denied").
    Append-only: the database refuses UPDATE and DELETE, and the app offers no way to edit a
    row."""

    class Action(models.TextChoices):
        VIEW = "view", _("view")
        LIST = "list", _("list")
        SEARCH = "search", _("search")
        EXPORT = "export", _("export")
        PRINT = "print", _("print")
        # A security event: a 404 for a record or page she may not see (what was tried only).
        DENIED = "denied", _("denied")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="access_logs",
        verbose_name=_("user"),
    )
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    object_type = models.CharField(_("object type"), max_length=60)
    object_id = models.CharField(_("object id"), max_length=40, blank=True)
    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("access log")
        verbose_name_plural = _("access logs")
        ordering = ["-at", "-id"]
        indexes = [
            # "who looked at this client/case": the supervisor's audit question.
            models.Index(
                fields=["object_type", "object_id", "-at"], name="audit_access_object_idx"
            ),
            models.Index(fields=["user", "-at"], name="audit_access_user_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(
                    action__in=["view", "list", "search", "export", "print", "denied"]
                ),
                name="audit_accesslog_action_valid",
            ),
        ]
        triggers = [
            pgtrigger.Protect(
                name="audit_accesslog_append_only",
                operation=pgtrigger.Update | pgtrigger.Delete,
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.at:%Y-%m-%d %H:%M} {self.user_id} {self.action} "
            f"{self.object_type}:{self.object_id}"
        )
