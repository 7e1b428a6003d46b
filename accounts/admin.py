from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnAttestation, WebAuthnCredential, WebAuthnUserHandle

from core import authz
from core.admin import GuardedChangelist, ReadOnlyInline
from core.roles import Role

from . import lockout, mfa, services
from .models import User, UserSession

# Authenticator secrets, backup codes and passkeys are never shown, not even to supervisors: a
# supervisor resets a user's MFA (an action on the staff list) instead of editing devices.
for _model in (
    TOTPDevice,
    StaticDevice,
    WebAuthnCredential,
    WebAuthnAttestation,
    WebAuthnUserHandle,
):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)


@admin.action(
    description=_("Reset two-step verification (she enrols again)"), permissions=["reset_mfa"]
)
def reset_mfa(modeladmin, request, queryset):
    for user in queryset:
        mfa.mfa_reset(user=user, by=request.user, request=request)
    modeladmin.message_user(request, _("Two-step verification was reset."), messages.SUCCESS)


@admin.action(description=_("Unlock sign-in"), permissions=["unlock"])
def unlock(modeladmin, request, queryset):
    for user in queryset:
        lockout.user_unlock(user=user, by=request.user, request=request)
    modeladmin.message_user(request, _("Sign-in was unlocked."), messages.SUCCESS)


@admin.action(
    description=_("End all sessions (signed out everywhere)"), permissions=["end_sessions"]
)
def end_sessions(modeladmin, request, queryset):
    ended = 0
    for user in queryset:
        # Her own current session stays, should she select herself.
        ended += services.user_sessions_end(
            user=user,
            by=request.user,
            request=request,
            keep_session_key=request.session.session_key,
        )
    modeladmin.message_user(
        request, _("%(count)s sessions were ended.") % {"count": ended}, messages.SUCCESS
    )


class UserSessionInline(ReadOnlyInline):
    """Her signed-in sessions, for a supervisor deciding to end them. The session key is a
    credential and is never shown."""

    model = UserSession
    fields = ("started_at", "last_seen_at", "ip", "user_agent")
    verbose_name_plural = _("signed-in sessions")

    def get_readonly_fields(self, request, obj=None) -> list[str]:
        return list(self.fields)

    def has_view_permission(self, request, obj=None) -> bool:
        return authz.can(request.user, "accounts.end_sessions")


def role_label(group: Group) -> str:
    """A role's group by the role's name ("相談員"), not its code ("counselor")."""
    return str(Role(group.name).label) if group.name in Role.values else group.name


class RoleFilter(admin.SimpleListFilter):
    title = _("role")
    parameter_name = "role"

    def lookups(self, request, model_admin):
        return Role.choices

    def queryset(self, request, queryset):
        if self.value() in Role.values:
            return queryset.filter(groups__name=self.value()).distinct()
        return queryset


class RoleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Group) -> str:
        return role_label(obj)


@admin.register(User)
class UserAdmin(GuardedChangelist, BaseUserAdmin):
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (_("Tsunagari"), {"fields": ("display_name", "language", "daily_digest")}),
    )
    list_display = ("username", "display_name", "email", "is_active", "last_login")
    list_filter = (RoleFilter, "is_active", "language")
    actions = [reset_mfa, unlock, end_sessions]
    inlines = [UserSessionInline]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "groups":
            kwargs["form_class"] = RoleChoiceField
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def has_reset_mfa_permission(self, request) -> bool:
        return authz.can(request.user, "accounts.reset_mfa")

    def has_unlock_permission(self, request) -> bool:
        return authz.can(request.user, "accounts.unlock_user")

    def has_end_sessions_permission(self, request) -> bool:
        return authz.can(request.user, "accounts.end_sessions")


# Groups are the roles: shown by the role's name.
if admin.site.is_registered(Group):
    admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(GuardedChangelist, BaseGroupAdmin):
    list_display = ("role", "name")

    @admin.display(description=_("role"), ordering="name")
    def role(self, group: Group) -> str:
        return role_label(group)
