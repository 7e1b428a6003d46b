"""The supervisors' read-only view of the supplies tables (core.admin.SupervisorAdmin): stock
changes only through supplies.services, and the ledger is append-only."""

from __future__ import annotations

from django.contrib import admin

from core.admin import SupervisorAdmin

from .models import Item, Place, SiteRequest, StockBalance, StockMovement


@admin.register(Item)
class ItemAdmin(SupervisorAdmin):
    list_display = ["code", "name", "unit", "pack_size", "is_active"]
    ordering = ["order", "code"]


@admin.register(Place)
class PlaceAdmin(SupervisorAdmin):
    list_display = ["name", "site_type", "ward", "is_active"]
    list_filter = ["site_type", "is_active"]
    search_fields = ["name"]
    ordering = ["site_type", "name", "id"]


@admin.register(StockMovement)
class StockMovementAdmin(SupervisorAdmin):
    list_display = ["occurred_at", "kind", "item", "quantity", "source", "target", "by"]
    list_filter = ["kind", "item"]
    list_select_related = ["item", "source", "target", "by"]
    date_hierarchy = "occurred_at"
    ordering = ["-occurred_at", "-id"]


@admin.register(StockBalance)
class StockBalanceAdmin(SupervisorAdmin):
    list_display = ["place", "item", "quantity", "low_alerted"]
    list_select_related = ["place", "item"]
    ordering = ["place", "item"]


@admin.register(SiteRequest)
class SiteRequestAdmin(SupervisorAdmin):
    list_display = ["requested_at", "site", "item", "requested", "approved", "status"]
    list_filter = ["status"]
    list_select_related = ["site", "item"]
    ordering = ["-requested_at", "-id"]
