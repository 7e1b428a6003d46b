from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from core import authz

# The admin pages of a model that show its records, and their access-log action. (This module
# is imported while apps load, before any model: the audit module is imported when used.)
_LOGGED_VIEWS = {"changelist_view": "list", "change_view": "view", "history_view": "view"}


class SupervisorAdminSite(admin.AdminSite):
    """Only supervisors (and superusers) ever see the admin; inside it, each model by its
    Django model permissions."""

    site_header = _("Tsunagari administration")
    site_title = _("Tsunagari")
    index_title = _("Supervisor administration")

    def has_permission(self, request: HttpRequest) -> bool:
        # `authz` answers False for an anonymous visitor, so the login page renders for her.
        return authz.can(request.user, "accounts.use_admin")

    def login(self, request: HttpRequest, extra_context=None):
        # Imported here: this module loads with the app registry, before auth's models.
        from .admin_login import SupervisorAuthenticationForm

        self.login_form = SupervisorAuthenticationForm
        return super().login(request, extra_context)

    def admin_view(self, view: Callable, cacheable: bool = False) -> Callable:
        """Every admin page goes through here: a model's changelist, change and history pages
        declare what they show, and the access-log middleware writes the row (as for every
        page of the app), whatever the page's status."""
        from audit.decorators import AccessSpec, declare

        inner = super().admin_view(view, cacheable)
        model_admin = getattr(view, "__self__", None)
        action = _LOGGED_VIEWS.get(getattr(view, "__name__", ""))
        if action is None or not getattr(model_admin, "shows_personal_data", False):
            return inner
        spec = AccessSpec(
            action,
            model_admin.model._meta.label_lower,
            id_kwarg="object_id" if action == "view" else None,
        )

        @wraps(inner)
        def declared(request: HttpRequest, *args, **kwargs):
            declare(request, spec, kwargs)
            return inner(request, *args, **kwargs)

        return declared


class TsunagariAdminConfig(AdminConfig):
    default_site = "tsunagari.admin.SupervisorAdminSite"
