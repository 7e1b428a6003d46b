from django.contrib import admin

from .models import FollowUp


@admin.register(FollowUp)
class FollowUpAdmin(admin.ModelAdmin):
    """Read-only: every change goes through followups.services (and its reminders)."""

    list_display = ["id", "state", "due_at", "assignee", "notified_at", "escalated_at"]
    list_filter = ["state"]
    date_hierarchy = "due_at"
    list_select_related = ["assignee"]
    readonly_fields = [f.name for f in FollowUp._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
