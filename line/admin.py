from django.contrib import admin

from .models import WebhookEvent


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin):
    """What LINE delivered and how it was processed. The raw JSON (her words) is not shown."""

    list_display = (
        "webhook_event_id",
        "event_type",
        "source_type",
        "occurred_at",
        "outcome",
        "attempts",
    )
    list_filter = ("event_type", "outcome", "is_redelivery")
    fields = (
        "webhook_event_id",
        "event_type",
        "source_type",
        "occurred_at",
        "received_at",
        "is_redelivery",
        "outcome",
        "attempts",
        "processed_at",
        "error",
    )
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
