from django.contrib import admin

from core.admin import GuardedChangelist

from .models import DigestRun, Notification


@admin.register(Notification)
class NotificationAdmin(GuardedChangelist, admin.ModelAdmin):
    """Read-only: for spotting failed e-mails. Titles may name a client, so they are not listed."""

    list_display = ["id", "user", "kind", "created_at", "read_at", "email_state", "email_attempts"]
    list_filter = ["email_state", "kind"]
    date_hierarchy = "created_at"
    list_select_related = ["user"]
    readonly_fields = [f.name for f in Notification._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(DigestRun)
class DigestRunAdmin(GuardedChangelist, admin.ModelAdmin):
    list_display = ["date", "user", "item_count", "sent_at"]
    list_select_related = ["user"]
    date_hierarchy = "date"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
