from django.contrib import admin
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _


class SupervisorAdminSite(admin.AdminSite):
    """Only supervisors (and superusers) ever see the admin."""

    site_header = _("Tsunagari administration")
    site_title = _("Tsunagari")
    index_title = _("Supervisor administration")

    def has_permission(self, request) -> bool:
        user = request.user
        return user.is_active and user.is_authenticated and user.is_supervisor


class TsunagariAdminConfig(AdminConfig):
    default_site = "tsunagari.admin.SupervisorAdminSite"
