"""The admin's login form: admits by `core.authz` ("accounts.use_admin"), not by `is_staff`.

Django's own admin form asks for `is_staff`, a flag the roles never set; a supervisor signs
in here with her ordinary account.
"""

from __future__ import annotations

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm

from accounts.forms import UsernameLengthMixin
from core import authz


class SupervisorAuthenticationForm(UsernameLengthMixin, AdminAuthenticationForm):
    def confirm_login_allowed(self, user) -> None:
        AuthenticationForm.confirm_login_allowed(self, user)  # an inactive account is refused
        if not authz.can(user, "accounts.use_admin"):
            # The same words as Django's for a non-staff account: no hint which roles exist.
            raise forms.ValidationError(
                self.error_messages["invalid_login"],
                code="invalid_login",
                params={"username": self.username_field.verbose_name},
            )
