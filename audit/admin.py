from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin import SupervisorAdmin

from .models import AccessLog, BreakGlassAccess, SecurityEvent


@admin.register(AccessLog)
class AccessLogAdmin(SupervisorAdmin):
    list_display = ("at", "who", "action", "object_type", "object_id", "ip", "request_id")
    list_filter = ("action", "object_type")
    search_fields = ("object_id", "request_id", "username", "user__username")
    date_hierarchy = "at"
    list_select_related = ("user",)
    # Filter by action "denied" for the security events (refused attempts on records or pages).
    # Reading the log itself is not logged: the log names no client, and each look would add
    # rows to what is being read.
    shows_personal_data = False
    # Audit rows are evidence: read-only here (SupervisorAdmin adds, changes and deletes
    # nothing), and the database refuses changes anyway.

    @admin.display(description=_("user"), ordering="username")
    def who(self, row: AccessLog) -> str:
        # The username and roles as they were when the row was written: a display name is
        # chosen by its owner and may copy someone else's.
        return row.who


@admin.register(SecurityEvent)
class SecurityEventAdmin(SupervisorAdmin):
    list_display = ("at", "kind", "user", "username", "actor", "ip", "detail")
    list_filter = ("kind",)
    search_fields = ("username", "user__username", "request_id")
    date_hierarchy = "at"
    list_select_related = ("user", "actor")
    # No client in these rows: reading them is not an access to personal data.
    shows_personal_data = False


@admin.register(BreakGlassAccess)
class BreakGlassAccessAdmin(SupervisorAdmin):
    list_display = ("at", "user", "object_type", "object_id", "expires_at", "ip")
    list_filter = ("object_type",)
    search_fields = ("object_id", "user__username", "request_id")
    date_hierarchy = "at"
    list_select_related = ("user",)
    # The reason a counselor gave may describe the woman: reading it is logged.
    shows_personal_data = True
