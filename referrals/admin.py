"""The supervisors' view of the directory, the referral transitions and the provision records.

Read-only, as every admin of the project (core.admin.SupervisorAdmin): the directory is kept
through referrals.services (coordinators), and the transitions and provision records are
append-only evidence.
"""

from __future__ import annotations

from django.contrib import admin

from core.admin import SupervisorAdmin

from .models import Partner, ProvisionRecord, ReferralTransition


@admin.register(Partner)
class PartnerAdmin(SupervisorAdmin):
    list_display = ["name", "kind", "ward", "is_outreach_partner", "is_active"]
    list_filter = ["kind", "ward", "is_active", "is_outreach_partner"]
    search_fields = ["name", "address", "contact_person"]
    ordering = ["kind", "name", "id"]


@admin.register(ReferralTransition)
class ReferralTransitionAdmin(SupervisorAdmin):
    list_display = ["referral", "from_status", "to_status", "by", "at"]
    list_filter = ["to_status"]
    list_select_related = ["referral", "by"]
    date_hierarchy = "at"
    ordering = ["-at", "-id"]


@admin.register(ProvisionRecord)
class ProvisionRecordAdmin(SupervisorAdmin):
    list_display = ["provided_at", "recipient_name", "recipient_kind", "client", "basis", "by"]
    list_filter = ["basis", "recipient_kind"]
    list_select_related = ["client", "by"]
    search_fields = ["recipient_name"]
    date_hierarchy = "provided_at"
    ordering = ["-provided_at", "-id"]
