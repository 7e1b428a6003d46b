from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User

# Counselors often note a call-back a few minutes after its time; older than this is a mistake.
PAST_GRACE = datetime.timedelta(minutes=10)
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
        if value is not None and value < timezone.now() - PAST_GRACE:
            raise forms.ValidationError(
                _("The due time is in the past. Choose a time from now on."), code="past"
            )


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
