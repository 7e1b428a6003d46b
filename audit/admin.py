from django.contrib import admin

from .models import AccessLog


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    list_display = ("at", "user", "action", "object_type", "object_id", "ip", "request_id")
    list_filter = ("action", "object_type")
    search_fields = ("object_id", "request_id", "user__username")
    date_hierarchy = "at"
    list_select_related = ("user",)

    # Audit rows are evidence: read-only here, and the database refuses changes anyway.
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
