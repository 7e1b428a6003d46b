from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from core.roles import Role

from .models import User


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["display_name", "language", "daily_digest"]
        labels = {
            "display_name": _("Display name"),
            "language": _("Language"),
            "daily_digest": _("Morning digest of follow-ups"),
        }


class UsernameLengthMixin:
    """Django's sign-in form sets the username's max_length after the field is built, so no
    validator checks it: an over-long name would reach authenticate() and the lockout's
    varchar column. Refuse it as a form error instead."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["username"]
        field.validators.append(MaxLengthValidator(field.max_length))


class LoginForm(UsernameLengthMixin, AuthenticationForm):
    pass


class MFACodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        help_text=_("The 6-digit code from your authenticator app, or one of your backup codes."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True}),
    )


class MFAEnrolForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        help_text=_("The 6-digit code your authenticator app shows now."),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


# --- staff accounts, managed by a supervisor -----------------------------------------------

# What each role may do, shown beside its checkbox when a supervisor gives roles.
ROLE_HELP = {
    Role.COUNSELOR: _(
        "Records consultations and works with her own clients, cases and follow-ups."
    ),
    Role.COORDINATOR: _(
        "Keeps the LINE consultation's opening calendar and sees counts, never a client's record."
    ),
    Role.SUPERVISOR: _(
        "Sees every record, approves closures, reviews who accessed what and manages staff "
        "accounts."
    ),
    Role.EXPERT: _("Legal or health consultations: sees only what is referred to her."),
}


def role_values_of(user: User) -> list[str]:
    """The roles her groups stand for (uses prefetched groups)."""
    return [group.name for group in user.groups.all() if group.name in Role.values]


class RolesField(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, **kwargs):
        super().__init__(
            label=_("Roles"),
            choices=Role.choices,
            required=False,
            help_text=_("An account without a role sees only its own settings."),
            **kwargs,
        )


class NewPasswordMixin(forms.Form):
    """A password typed twice, or none: then one is generated and shown once."""

    new_password1 = forms.CharField(
        label=_("New password"),
        required=False,
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Leave both empty to have a password generated and shown once."),
    )
    new_password2 = forms.CharField(
        label=_("New password (again)"),
        required=False,
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def password_user(self) -> User | None:
        return None

    def clean(self):
        data = super().clean()
        first, second = data.get("new_password1") or "", data.get("new_password2") or ""
        if first != second:
            self.add_error("new_password2", _("The two passwords do not match."))
        elif first:
            try:
                password_validation.validate_password(first, self.password_user())
            except ValidationError as error:
                self.add_error("new_password1", error)
        return data


class StaffCreateForm(NewPasswordMixin, forms.ModelForm):
    roles = RolesField()

    class Meta:
        model = User
        fields = ["username", "display_name", "email", "language"]
        labels = {
            "username": _("Username"),
            "display_name": _("Display name"),
            "email": _("Email address"),
            "language": _("Language"),
        }
        help_texts = {
            "username": _("What she types to sign in: letters, digits and @ . + - _ only."),
        }

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        # Django's unique check is case-sensitive; sign-in names differing only in case would
        # be mistaken for each other.
        if User.objects.filter(username__iexact=username).exists():
            raise ValidationError(_("An account with this username exists already."))
        return username


class StaffEditForm(forms.ModelForm):
    roles = RolesField()

    class Meta:
        model = User
        fields = ["display_name", "email"]
        labels = {"display_name": _("Display name"), "email": _("Email address")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound and self.instance.pk:
            # Her groups as stored: `role_codes` answers nothing for a deactivated account.
            self.initial["roles"] = role_values_of(self.instance)


class StaffPasswordForm(NewPasswordMixin):
    def __init__(self, *args, user: User, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def password_user(self) -> User | None:
        return self.user
