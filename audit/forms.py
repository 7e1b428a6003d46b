"""The supervisors' question to the access log: who, when, and (optionally) which records."""

from __future__ import annotations

import datetime

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from core.bounds import validate_fact_datetime
from core.widgets import DATETIME_WIDGET

from .models import AccessLog

# An export covers at most this window: a year's rows of every user is already a lot, and
# anything wider is a question to ask of the database directly (SECURITY.md).
LONGEST_WINDOW = datetime.timedelta(days=366)
DEFAULT_WINDOW = datetime.timedelta(days=7)


class AccessReviewForm(forms.Form):
    user = forms.ModelChoiceField(
        label=_("User"),
        # Deactivated accounts too: after a leak, the account may already be closed.
        queryset=get_user_model().objects.order_by("display_name", "username"),
        required=False,
        empty_label=_("Anyone"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    start = forms.DateTimeField(
        label=_("From"), widget=DATETIME_WIDGET, validators=[validate_fact_datetime]
    )
    end = forms.DateTimeField(
        label=_("Until"), widget=DATETIME_WIDGET, validators=[validate_fact_datetime]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("start", "end"):
            self.fields[name].widget.attrs["class"] = "form-control"

    action = forms.ChoiceField(
        label=_("Action"),
        choices=[
            ("", _("Any")),
            *((code, capfirst(label)) for code, label in AccessLog.Action.choices),
        ],
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    # Set by the links from a client's or a case's page; kept as the filter is changed.
    client = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    case = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)

    @classmethod
    def defaults(cls, now: datetime.datetime | None = None) -> dict[str, str]:
        """The last seven days up to the next full hour, in the browser's format."""
        now = timezone.localtime(now)
        end = now.replace(minute=0, second=0, microsecond=0) + datetime.timedelta(hours=1)
        start = (end - DEFAULT_WINDOW).replace(hour=0)
        fmt = "%Y-%m-%dT%H:%M"
        return {"start": start.strftime(fmt), "end": end.strftime(fmt)}

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        one_record = data.get("client") or data.get("case")
        if start and end:
            if end <= start:
                self.add_error("end", _("The end must be after the start."))
            elif end - start > LONGEST_WINDOW and not one_record:
                # A record's whole history is short; everyone's, over years, is not.
                self.add_error("end", _("Choose a window of at most one year."))
        if data.get("client") and data.get("case"):
            self.add_error(None, _("Look at one client or one case, not both."))
        return data
