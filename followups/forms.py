from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User

from .services import due_at_check

LOCAL_INPUT_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


class LocalDateTimeInput(forms.DateTimeInput):
    """<input type="datetime-local">, read and shown in the current time zone (Asia/Tokyo)."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


class DueAtField(forms.DateTimeField):
    widget = LocalDateTimeInput

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", LOCAL_INPUT_FORMATS)
        kwargs.setdefault("label", _("Due"))
        super().__init__(**kwargs)

    def validate(self, value):
        super().validate(value)
        if value is not None:
            try:
                due_at_check(value)  # the services' rule: not in the past, a sane range
            except forms.ValidationError as exc:
                raise forms.ValidationError(exc.message_dict["due_at"]) from None


class FollowUpForm(forms.Form):
    what = forms.CharField(
        label=_("What to do"),
        max_length=200,
        help_text=_("Do not write details here that are not needed for the reminder."),
    )
    due_at = DueAtField()
    assignee = forms.ModelChoiceField(
        label=_("Assignee"), queryset=User.objects.none(), empty_label=None
    )

    def __init__(self, *args, assignees, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = assignees


class RescheduleForm(forms.Form):
    due_at = DueAtField(label=_("New due time"))


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason for cancelling"), max_length=200, required=False)
