"""Her rights' records in the admin, read-only: they change only through the services (the
erasure queue decides; retention anonymises), never by editing a row here."""

from django.contrib import admin

from core.admin import SupervisorAdmin

from .models import AnonymisationRecord, ConsentWithdrawal, ErasureRequest


@admin.register(ErasureRequest)
class ErasureRequestAdmin(SupervisorAdmin):
    list_display = ("requested_at", "client", "state", "requested_by", "decided_by", "decided_at")
    list_filter = ("state", "received_via")
    search_fields = ("client__pk",)
    date_hierarchy = "requested_at"
    list_select_related = ("client", "requested_by", "decided_by")


@admin.register(ConsentWithdrawal)
class ConsentWithdrawalAdmin(SupervisorAdmin):
    list_display = ("recorded_at", "client", "scope", "method", "recorded_by")
    list_filter = ("scope", "method")
    search_fields = ("client__pk",)
    date_hierarchy = "recorded_at"
    list_select_related = ("client", "recorded_by")


@admin.register(AnonymisationRecord)
class AnonymisationRecordAdmin(SupervisorAdmin):
    list_display = ("at", "client", "reason", "approved_by", "last_activity_at")
    list_filter = ("reason",)
    date_hierarchy = "at"
    list_select_related = ("client", "approved_by")
    # What was scrubbed is a count per record, not the content: no personal data left here.
    shows_personal_data = False
