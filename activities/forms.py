"""Forms of the activities pages. They check shape and bounds only; the rules (capacity, who
may register or record, the slots) are the services'."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.forms.clients import BootstrapFormMixin
from cases.models import Consultation
from core.bounds import NOTE_MAX, validate_fact_datetime, validate_schedule_datetime
from core.widgets import DATETIME_WIDGET

from .models import REFERRAL_NOTE_MAX, TITLE_MAX, ExpertDay
from .services.experts import SLOT_MINUTES


class SessionForm(BootstrapFormMixin, forms.Form):
    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX, initial=_("Pastel art"))
    starts_at = forms.DateTimeField(
        label=_("Starts at"), widget=DATETIME_WIDGET, validators=[validate_schedule_datetime]
    )
    ends_at = forms.DateTimeField(
        label=_("Ends at"), widget=DATETIME_WIDGET, validators=[validate_schedule_datetime]
    )
    venue = forms.CharField(label=_("Venue"), max_length=200, required=False)
    online = forms.BooleanField(label=_("Online"), required=False)
    facilitators = forms.ModelMultipleChoiceField(
        label=_("Facilitators (staff)"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    peer_supporters = forms.CharField(
        label=_("Peer supporters"),
        max_length=200,
        required=False,
        help_text=_("First names or initials of the peer supporters who facilitate."),
    )
    capacity = forms.IntegerField(label=_("Capacity"), min_value=1, max_value=200, initial=8)
    materials = forms.CharField(label=_("Materials"), max_length=300, required=False)
    notes = forms.CharField(
        label=_("Notes"),
        max_length=NOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, staff=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["facilitators"].queryset = staff


class RegisterForm(BootstrapFormMixin, forms.Form):
    client = forms.ModelChoiceField(
        label=_("Client"),
        queryset=None,
        help_text=_("Register her only when she has agreed to come."),
    )
    contact_agreed = forms.BooleanField(
        label=_("She agrees to be contacted about it herself (a LINE invitation)"),
        required=False,
    )

    def __init__(self, *args, clients=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["client"].queryset = clients


class AnonymousForm(BootstrapFormMixin, forms.Form):
    anonymous_registered = forms.IntegerField(
        label=_("Anonymous participants registered"), min_value=0, max_value=200
    )


class AttendanceAnonymousForm(BootstrapFormMixin, forms.Form):
    anonymous_attended = forms.IntegerField(
        label=_("Anonymous participants present"), min_value=0, max_value=200
    )


class ReasonForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)


class ExpertDayForm(BootstrapFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ExpertDay.Kind.choices)
    expert = forms.ModelChoiceField(label=_("Expert"), queryset=None)
    starts_at = forms.DateTimeField(
        label=_("Starts at"), widget=DATETIME_WIDGET, validators=[validate_schedule_datetime]
    )
    ends_at = forms.DateTimeField(
        label=_("Ends at"), widget=DATETIME_WIDGET, validators=[validate_schedule_datetime]
    )
    slot_minutes = forms.TypedChoiceField(
        label=_("Slot length"),
        choices=[(m, _("%(n)d minutes") % {"n": m}) for m in SLOT_MINUTES],
        coerce=int,
        initial=50,
    )
    notes = forms.CharField(label=_("Notes"), max_length=300, required=False)

    def __init__(self, *args, experts=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expert"].queryset = experts


class BookingForm(BootstrapFormMixin, forms.Form):
    slot = forms.ModelChoiceField(label=_("Slot"), queryset=None)
    client = forms.ModelChoiceField(label=_("Client"), queryset=None)
    referral_note = forms.CharField(
        label=_("Referral note"),
        max_length=REFERRAL_NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "What the expert needs to know, in a few lines: this is all she reads of the case."
        ),
    )

    def __init__(self, *args, slots=None, clients=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["slot"].queryset = slots
        self.fields["client"].queryset = clients


class ExpertRecordForm(BootstrapFormMixin, forms.Form):
    started_at = forms.DateTimeField(
        label=_("Started at"), widget=DATETIME_WIDGET, validators=[validate_fact_datetime]
    )
    ended_at = forms.DateTimeField(
        label=_("Ended at"), widget=DATETIME_WIDGET, validators=[validate_fact_datetime]
    )
    main_concern = forms.ChoiceField(
        label=_("Main concern"), choices=Consultation.MainConcern.choices
    )
    topics = forms.MultipleChoiceField(
        label=_("Topics"),
        choices=Consultation.Topic.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    summary = forms.CharField(
        label=_("What was discussed"),
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    follow_up_what = forms.CharField(
        label=_("Follow-up for the referring counselor"),
        max_length=200,
        required=False,
        help_text=_("Leave empty when nothing is to be followed up."),
    )
    follow_up_due_at = forms.DateTimeField(
        label=_("Follow-up due"),
        widget=DATETIME_WIDGET,
        required=False,
        validators=[validate_schedule_datetime],
    )
