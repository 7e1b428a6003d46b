from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.bounds import validate_schedule_date

from .models import Channel, OpeningException


class OpeningExceptionForm(forms.Form):
    """A closure (休止) or an extra opening (臨時開設), added from the calendar page."""

    kind = forms.ChoiceField(
        label=_("Kind"), choices=OpeningException.Kind.choices, widget=forms.RadioSelect
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.LINE)
    date = forms.DateField(
        label=_("Date"),
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_schedule_date],
    )
    start_time = forms.TimeField(
        label=_("Opens at"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=_("Extra openings only."),
    )
    end_time = forms.TimeField(
        label=_("Closes at"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=_("Extra openings only."),
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def clean(self) -> dict:
        data = super().clean()
        if data.get("kind") == OpeningException.Kind.EXTRA:
            start, end = data.get("start_time"), data.get("end_time")
            if start is None and "start_time" not in self.errors:
                self.add_error("start_time", _("Enter the opening time of the extra opening."))
            if end is None and "end_time" not in self.errors:
                self.add_error("end_time", _("Enter the closing time of the extra opening."))
            if start is not None and end is not None and end <= start:
                self.add_error("end_time", _("The closing time must be after the opening time."))
        return data
