"""Admin for opening rules and exceptions. The site admits supervisors only (`core.authz`);
each model here is then allowed by the Django model permissions of the role's group.

Saves and deletes go through `openings.services`, so every change re-materialises the
Opening rows it affects. Openings themselves are derived data: read-only here.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

from core.admin import GuardedChangelist
from tsunagari.forms import form_add_service_errors

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

# Where a refused save's errors wait for the second pass of the change form (see below).
_SERVICE_ERRORS = "_openings_service_errors"


class ServiceErrorsAdmin:
    """`save_model` and `delete_model` call a service, which may refuse (a rule the admin's
    form cannot know, such as "not on a past day", or a race lost under the row lock) with a
    ValidationError. That is shown on the form or as a message, never as a server error.

    Django's change form saves inside one transaction after the form has validated, so a
    refusal cannot reach that form any more: the transaction is rolled back and the same POST
    is handled once more, with the service's errors added to the form's own cleaning."""

    def get_form(self, request: HttpRequest, obj=None, change: bool = False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        refused = getattr(request, _SERVICE_ERRORS, None)
        if refused is None:
            return form

        class WithServiceErrors(form):
            def clean(self):
                data = super().clean()
                form_add_service_errors(self, refused)
                return data

        return WithServiceErrors

    def changeform_view(
        self, request: HttpRequest, object_id=None, form_url="", extra_context=None
    ) -> HttpResponse:
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as refused:
            if request.method != "POST" or hasattr(request, _SERVICE_ERRORS):
                raise
            setattr(request, _SERVICE_ERRORS, refused)
            return super().changeform_view(request, object_id, form_url, extra_context)

    def delete_view(self, request: HttpRequest, object_id, extra_context=None) -> HttpResponse:
        try:
            return super().delete_view(request, object_id, extra_context)
        except ValidationError as refused:
            for message in refused.messages:
                self.message_user(request, message, messages.ERROR)
            opts = self.model._meta
            change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[object_id])
            return HttpResponseRedirect(change)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        try:
            for obj in queryset:
                self.delete_model(request, obj)
        except ValidationError as refused:
            # The changelist's action handling rolls the whole selection back.
            for message in refused.messages:
                self.message_user(request, message, messages.ERROR)
            raise


@admin.register(OpeningRule)
class OpeningRuleAdmin(ServiceErrorsAdmin, GuardedChangelist, admin.ModelAdmin):
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


@admin.register(OpeningException)
class OpeningExceptionAdmin(ServiceErrorsAdmin, GuardedChangelist, admin.ModelAdmin):
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
