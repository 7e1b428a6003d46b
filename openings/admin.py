"""Admin for opening rules and exceptions. The site admits supervisors only (`core.authz`);
each model here is then allowed by the Django model permissions of the role's group.

Saves and deletes go through `openings.services`, so every change re-materialises the
Opening rows it affects. Openings themselves are derived data: read-only here.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from core.admin import GuardedChangelist

from .models import Opening, OpeningException, OpeningRule
from .services import (
    EXCEPTION_FIELDS,
    RULE_FIELDS,
    opening_exception_create,
    opening_exception_delete,
    opening_exception_update,
    opening_rule_create,
    opening_rule_delete,
    opening_rule_update,
)


@admin.register(OpeningRule)
class OpeningRuleAdmin(GuardedChangelist, admin.ModelAdmin):
    list_display = ("weekday", "start_time", "end_time", "channel", "valid_from", "valid_until")
    list_filter = ("channel", "weekday")

    def save_model(self, request, obj: OpeningRule, form, change: bool) -> None:
        values = {name: getattr(obj, name) for name in RULE_FIELDS}
        if change:
            opening_rule_update(rule=obj, by=request.user, **values)
        else:
            saved = opening_rule_create(by=request.user, **values)
            obj.pk = saved.pk

    def delete_model(self, request, obj: OpeningRule) -> None:
        opening_rule_delete(rule=obj, by=request.user)

    def delete_queryset(self, request, queryset: QuerySet[OpeningRule]) -> None:
        for rule in queryset:
            opening_rule_delete(rule=rule, by=request.user)


@admin.register(OpeningException)
class OpeningExceptionAdmin(GuardedChangelist, admin.ModelAdmin):
    list_display = ("date", "kind", "channel", "start_time", "end_time", "note")
    list_filter = ("kind", "channel")
    date_hierarchy = "date"
    search_fields = ("note",)

    def save_model(self, request, obj: OpeningException, form, change: bool) -> None:
        values = {name: getattr(obj, name) for name in EXCEPTION_FIELDS}
        if change:
            opening_exception_update(exception=obj, by=request.user, **values)
        else:
            saved = opening_exception_create(by=request.user, **values)
            obj.pk = saved.pk

    def delete_model(self, request, obj: OpeningException) -> None:
        opening_exception_delete(exception=obj, by=request.user)

    def delete_queryset(self, request, queryset: QuerySet[OpeningException]) -> None:
        for exception in queryset:
            opening_exception_delete(exception=exception, by=request.user)


@admin.register(Opening)
class OpeningAdmin(GuardedChangelist, admin.ModelAdmin):
    """Read-only: rows follow the rules and exceptions."""

    list_display = ("starts_at", "ends_at", "channel", "rule", "exception")
    list_filter = ("channel",)
    date_hierarchy = "starts_at"
    list_select_related = ("rule", "exception")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False
