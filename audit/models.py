from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.append_only import append_only
from core.bounds import REASON_MAX, in_choices, max_length
from core.roles import Role


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
    # Who she was at the time: the login name and roles, which a display name cannot fake.
    username = models.CharField(_("username"), max_length=150, blank=True)
    roles = models.CharField(_("roles"), max_length=100, blank=True)

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
        triggers = append_only("audit_accesslog_append_only")

    def __str__(self) -> str:
        return (
            f"{self.at:%Y-%m-%d %H:%M} {self.user_id} {self.action} "
            f"{self.object_type}:{self.object_id}"
        )

    @property
    def login_name(self) -> str:
        """The username when the row was written; for rows older than that snapshot, the
        account's username (a display name is chosen by its owner and proves nothing)."""
        return self.username or self.user.get_username()

    @property
    def role_labels(self) -> str:
        return role_labels(self.roles)

    @property
    def who(self) -> str:
        """ "display name (username · role)": the name she chose beside what she cannot."""
        return who_label(self.user.display_name, self.login_name, self.roles)


def role_labels(codes: str) -> str:
    """A roles snapshot ("counselor,supervisor") as the roles' names."""
    names = {**dict(Role.choices), "superuser": _("superuser")}
    return ", ".join(str(names.get(code, code)) for code in codes.split(",") if code)


def who_label(display_name: str, username: str, roles: str) -> str:
    login = " · ".join(part for part in [username, role_labels(roles)] if part)
    if not display_name or display_name == username:
        return login
    return _("%(display_name)s (%(login)s)") % {"display_name": display_name, "login": login}


class SecurityEvent(models.Model):
    """Something security-relevant that is not a look at a record: a failed login, a lockout
    and its lifting, MFA enrolment and failures, sessions ended, a break-glass open. Append-only
    like the access log. Never holds a password, a code or a record's content: `username` is
    what was typed at the login form (trimmed and printable), `detail` a short coded note."""

    class Kind(models.TextChoices):
        LOGIN_FAILED = "login_failed", _("login failed")
        LOCKED_OUT = "locked_out", _("locked out")
        UNLOCKED = "unlocked", _("unlocked")
        MFA_FAILED = "mfa_failed", _("MFA code refused")
        MFA_ENROLLED = "mfa_enrolled", _("MFA enrolled")
        MFA_RESET = "mfa_reset", _("MFA reset")
        BACKUP_CODES_ISSUED = "backup_codes_issued", _("backup codes issued")
        PASSWORD_CHANGED = "password_changed", _("password changed")
        SESSIONS_ENDED = "sessions_ended", _("sessions ended")
        SESSION_EXPIRED = "session_expired", _("session expired")
        USER_DEACTIVATED = "user_deactivated", _("user deactivated")
        USER_CREATED = "user_created", _("user created")
        USER_REACTIVATED = "user_reactivated", _("user reactivated")
        ROLES_CHANGED = "roles_changed", _("roles changed")
        BREAK_GLASS = "break_glass", _("break-glass access")
        WEBHOOK_REJECTED = "webhook_rejected", _("webhook rejected")
        CALENDAR_FEED_REFUSED = "calendar_feed_refused", _("calendar feed address refused")

    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    # The account concerned (None when the typed username matches no account).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="security_events",
        verbose_name=_("user"),
    )
    # Who did it, when that is someone else (the supervisor who unlocked or ended sessions).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="security_events_done",
        verbose_name=_("done by"),
    )
    username = models.CharField(_("username given"), max_length=150, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    detail = models.CharField(_("detail"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("security event")
        verbose_name_plural = _("security events")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["kind", "-at"], name="audit_secevent_kind_idx"),
            models.Index(fields=["user", "-at"], name="audit_secevent_user_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=in_choices(
                    "kind",
                    [
                        "login_failed",
                        "locked_out",
                        "unlocked",
                        "mfa_failed",
                        "mfa_enrolled",
                        "mfa_reset",
                        "backup_codes_issued",
                        "password_changed",
                        "sessions_ended",
                        "session_expired",
                        "user_deactivated",
                        "user_created",
                        "user_reactivated",
                        "roles_changed",
                        "break_glass",
                        "webhook_rejected",
                        "calendar_feed_refused",
                    ],
                ),
                name="audit_securityevent_kind_valid",
            ),
        ]
        triggers = append_only("audit_securityevent_append_only")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind} {self.user_id or self.username}"


class BreakGlassAccess(models.Model):
    """A staff member opened a record outside her scope, stating why ("break-glass"). Grants
    her that one record until `expires_at`; supervisors review the list. Append-only."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="break_glass_accesses",
        verbose_name=_("user"),
    )
    object_type = models.CharField(_("object type"), max_length=60)
    object_id = models.CharField(_("object id"), max_length=40)
    reason = models.TextField(_("reason"), max_length=REASON_MAX)
    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    expires_at = models.DateTimeField(_("valid until"))
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("break-glass access")
        verbose_name_plural = _("break-glass accesses")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(
                fields=["user", "object_type", "object_id", "-expires_at"],
                name="audit_breakglass_grant_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(reason=""), name="audit_breakglass_reason_set"
            ),
            models.CheckConstraint(
                condition=max_length("reason", REASON_MAX), name="audit_breakglass_reason_length"
            ),
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("at")),
                name="audit_breakglass_expires_after_start",
            ),
        ]
        triggers = append_only("audit_breakglass_append_only")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user_id} {self.object_type}:{self.object_id}"
