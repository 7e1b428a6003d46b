from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.admin import SupervisorAdmin

from .models import AccessLog, BreakGlassAccess, SecurityEvent
from .templatetags.audit import _model_name, record_label

# Each access-log row as a sentence: who did what to which record (`record_label` names it).
_SENTENCES = {
    AccessLog.Action.VIEW: _("%(who)s viewed %(record)s."),
    AccessLog.Action.LIST: _("%(who)s listed %(record)s."),
    AccessLog.Action.SEARCH: _("%(who)s searched %(record)s."),
    AccessLog.Action.EXPORT: _("%(who)s exported %(record)s."),
    AccessLog.Action.PRINT: _("%(who)s printed %(record)s."),
    AccessLog.Action.DENIED: _("%(who)s was refused %(record)s."),
}


def access_sentence(row: AccessLog) -> str:
    text = _SENTENCES.get(row.action)
    if text is None:  # an action added later: still readable
        return f"{row.who}: {row.action} {record_label(row)}"
    return str(text) % {"who": row.who, "record": record_label(row)}


class ObjectTypeFilter(admin.SimpleListFilter):
    """The kinds of record by their names ("相談者"), not their codes ("cases.client")."""

    title = _("object type")
    parameter_name = "object_type"

    def lookups(self, request, model_admin):
        types = AccessLog.objects.order_by("object_type").values_list("object_type", flat=True)
        return [(t, str(_model_name(t) or t)) for t in types.distinct()]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(object_type=self.value())
        return queryset


@admin.register(AccessLog)
class AccessLogAdmin(SupervisorAdmin):
    # One sentence instead of four columns of codes: the table fits the page.
    list_display = ("at", "entry", "ip", "request_id")
    list_filter = ("action", ObjectTypeFilter)
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

    @admin.display(description=_("entry"))
    def entry(self, row: AccessLog) -> str:
        return access_sentence(row)


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
