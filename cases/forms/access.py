"""Forms of the break-glass step and of its review. They validate input only; the services
decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.selectors import users_with_roles
from core.bounds import REASON_MAX, validate_fact_date
from core.roles import Role
from core.widgets import DATE_WIDGET


class BreakGlassForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you need to open her record now?"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Required. Supervisors read it. Do not write her name, phone number or story here."
        ),
        error_messages={"required": _("Say why you need to open her record before taking her on.")},
    )


class BreakGlassFilterForm(forms.Form):
    user = forms.ModelChoiceField(
        label=_("Opened by"),
        queryset=users_with_roles(Role.COUNSELOR),
        required=False,
        empty_label=_("Anyone"),
    )
    day_from = forms.DateField(
        label=_("From"), required=False, widget=DATE_WIDGET, validators=[validate_fact_date]
    )
    day_to = forms.DateField(
        label=_("To"), required=False, widget=DATE_WIDGET, validators=[validate_fact_date]
    )

    def clean(self) -> dict:
        data = super().clean()
        if data.get("day_from") and data.get("day_to") and data["day_to"] < data["day_from"]:
            self.add_error("day_to", _("The end must not be before the start."))
        return data
