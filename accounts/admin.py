from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("Tsunagari"), {"fields": ("display_name", "language", "daily_digest")}),
    )
    list_display = ("username", "display_name", "email", "is_active", "last_login")
    list_filter = ("groups", "is_active", "language")
