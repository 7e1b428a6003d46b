"""The supervisors' view of the peer-support sessions and expert days (read-only, as every
admin of the project: they are planned and recorded through activities.services)."""

from __future__ import annotations

from django.contrib import admin

from core.admin import SupervisorAdmin

from .models import ExpertDay, PeerSession


@admin.register(PeerSession)
class PeerSessionAdmin(SupervisorAdmin):
    list_display = ["starts_at", "title", "venue", "online", "capacity", "status"]
    list_filter = ["status", "online"]
    search_fields = ["title", "venue"]
    date_hierarchy = "starts_at"
    ordering = ["-starts_at", "-id"]


@admin.register(ExpertDay)
class ExpertDayAdmin(SupervisorAdmin):
    list_display = ["starts_at", "kind", "expert", "status"]
    list_filter = ["kind", "status"]
    list_select_related = ["expert"]
    date_hierarchy = "starts_at"
    ordering = ["-starts_at", "-id"]
