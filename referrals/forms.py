"""Forms of the referrals pages. They check shape and bounds only; the rules (consent before
sending, who may override, the status flow) are the services'."""

from __future__ import annotations

from django import forms
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cases.forms.clients import BootstrapFormMixin
from core.bounds import validate_fact_datetime
from core.choices import Ward
from core.widgets import DATETIME_WIDGET

from .models import Consent, Partner, SharedItem

NOTE_MAX = 2000
REASON_MAX = 1000
CHECKBOXES = forms.CheckboxSelectMultiple


def _choose(choices) -> list[tuple[str, object]]:
    return [("", _("Choose…")), *choices]


class PartnerForm(BootstrapFormMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=_choose(Partner.Kind.choices))
    ward = forms.ChoiceField(label=_("Ward"), choices=Ward.choices, initial=Ward.UNKNOWN)
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    email = forms.EmailField(label=_("E-mail"), max_length=254, required=False)
    contact_person = forms.CharField(label=_("Contact person"), max_length=100, required=False)
    services = forms.MultipleChoiceField(
        label=_("Services offered"),
        choices=Partner.Service.choices,
        widget=CHECKBOXES,
        required=False,
    )
    opening_hours = forms.CharField(
        label=_("Opening hours"),
        max_length=REASON_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    languages = forms.CharField(
        label=_("Languages"),
        max_length=200,
        required=False,
        help_text=_("Separated by commas, e.g. Japanese, English, Vietnamese."),
    )
    is_outreach_partner = forms.BooleanField(label=_("Outreach partner"), required=False)
    notes = forms.CharField(
        label=_("Notes"),
        max_length=NOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_languages(self) -> list[str]:
        parts = self.cleaned_data["languages"].replace("、", ",").split(",")
        return [p.strip() for p in parts if p.strip()]

    @classmethod
    def initial_for(cls, partner: Partner) -> dict:
        values = {name: getattr(partner, name) for name in cls.base_fields}
        values["languages"] = ", ".join(partner.languages)
        return values


class PartnerFilterForm(BootstrapFormMixin, forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("All")), *Partner.Kind.choices], required=False
    )
    ward = forms.ChoiceField(
        label=_("Ward"), choices=[("", _("All")), *Ward.choices], required=False
    )
    service = forms.ChoiceField(
        label=_("Service"), choices=[("", _("All")), *Partner.Service.choices], required=False
    )
    inactive = forms.BooleanField(label=_("Include inactive partners"), required=False)


class PartnerImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_("UTF-8 (with or without BOM) or Shift_JIS (CP932), with a header row."),
    )


class ConsentForm(BootstrapFormMixin, forms.Form):
    given_at = forms.DateTimeField(
        label=_("When she gave it"), widget=DATETIME_WIDGET, validators=[validate_fact_datetime]
    )
    method = forms.ChoiceField(label=_("How"), choices=_choose(Consent.Method.choices))
    scope = forms.MultipleChoiceField(
        label=_("What may be shared"), choices=SharedItem.choices, widget=CHECKBOXES
    )
    given_by_herself = forms.BooleanField(label=_("Given by herself"), required=False, initial=True)
    given_by_name = forms.CharField(
        label=_("Given by (name), if not herself"), max_length=100, required=False
    )
    given_by_relationship = forms.CharField(
        label=_("Relationship to her"), max_length=100, required=False
    )


class ReasonForm(BootstrapFormMixin, forms.Form):
    """One text: a reason, a note or an outcome, labelled and bounded by the view."""

    def __init__(self, *args, label, required: bool = False, max_length: int = NOTE_MAX, **kw):
        self.base_fields = {
            "text": forms.CharField(
                label=label,
                max_length=max_length,
                required=required,
                widget=forms.Textarea(attrs={"rows": 2}),
            )
        }
        super().__init__(*args, **kw)


class ReferralForm(BootstrapFormMixin, forms.Form):
    partner = forms.ModelChoiceField(
        label=_("Partner"), queryset=Partner.objects.none(), empty_label=_("Choose…")
    )
    reason = forms.CharField(
        label=_("Why she is referred"),
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    shared_items = forms.MultipleChoiceField(
        label=_("What of her information will be shared"),
        choices=SharedItem.choices,
        widget=CHECKBOXES,
    )

    def __init__(self, *args, partners=None, **kwargs):
        super().__init__(*args, **kwargs)
        if partners is not None:
            self.fields["partner"].queryset = partners


class SendForm(BootstrapFormMixin, forms.Form):
    consent = forms.ModelChoiceField(
        label=_("Her consent"),
        queryset=Consent.objects.none(),
        required=False,
        empty_label=_("(none)"),
    )
    emergency_reason = forms.CharField(
        label=_("Emergency override: why her life or body is at risk"),
        max_length=REASON_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Supervisors only, when there is no consent and waiting would put her at risk."
        ),
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=NOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, consents=None, may_override: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if consents is not None:
            self.fields["consent"].queryset = consents
            self.fields["consent"].label_from_instance = _consent_label
        if not may_override:
            del self.fields["emergency_reason"]


def _consent_label(consent: Consent) -> str:
    items = "、".join(str(SharedItem(code).label) for code in consent.scope)
    given = date_format(localtime(consent.given_at), "SHORT_DATETIME_FORMAT")
    return f"{given} · {consent.get_method_display()} · {items}"


class AccompanimentForm(BootstrapFormMixin, forms.Form):
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=DATETIME_WIDGET)
    ends_at = forms.DateTimeField(label=_("Ends at"), widget=DATETIME_WIDGET, required=False)
    place = forms.CharField(label=_("Place"), max_length=300)
    partner = forms.ModelChoiceField(
        label=_("Partner"),
        queryset=Partner.objects.none(),
        required=False,
        empty_label=_("(none)"),
    )
    counselors = forms.ModelMultipleChoiceField(
        label=_("Counselors going"), queryset=None, widget=CHECKBOXES
    )
    transport = forms.CharField(label=_("Transport"), max_length=200, required=False)
    cost_yen = forms.IntegerField(
        label=_("Cost (yen)"), min_value=0, max_value=1_000_000, initial=0
    )

    def __init__(self, *args, partners=None, counselors=None, **kwargs):
        super().__init__(*args, **kwargs)
        if partners is not None:
            self.fields["partner"].queryset = partners
        self.fields["counselors"].queryset = counselors


class AccompanimentOutcomeForm(BootstrapFormMixin, forms.Form):
    outcome = forms.CharField(
        label=_("Outcome"), max_length=NOTE_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )
    ends_at = forms.DateTimeField(label=_("Ended at"), widget=DATETIME_WIDGET, required=False)
    cost_yen = forms.IntegerField(
        label=_("Cost (yen)"), min_value=0, max_value=1_000_000, required=False
    )


class MeetingForm(BootstrapFormMixin, forms.Form):
    held_at = forms.DateTimeField(
        label=_("Held at"), widget=DATETIME_WIDGET, validators=[validate_fact_datetime]
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    organisations = forms.ModelMultipleChoiceField(
        label=_("Participating organisations"),
        queryset=Partner.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    other_organisations = forms.CharField(
        label=_("Other organisations"), max_length=REASON_MAX, required=False
    )
    participants = forms.CharField(
        label=_("Participants"),
        max_length=REASON_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    cases = forms.ModelMultipleChoiceField(
        label=_("Women discussed (their cases)"), queryset=None, widget=CHECKBOXES
    )
    shared_items = forms.MultipleChoiceField(
        label=_("What of their information was shared"),
        choices=SharedItem.choices,
        widget=CHECKBOXES,
    )
    emergency_reason = forms.CharField(
        label=_("Emergency: why sharing without consent was needed"),
        max_length=REASON_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Supervisors only; for a woman with no consent covering what was shared."),
    )
    notes = forms.CharField(
        label=_("Notes of the meeting"),
        max_length=NOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    decisions = forms.CharField(
        label=_("Decisions"),
        max_length=NOTE_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, partners=None, cases=None, may_override=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisations"].queryset = partners
        self.fields["cases"].queryset = cases
        self.fields["cases"].label_from_instance = lambda case: f"{case.client.nickname} · {case}"
        if not may_override:
            del self.fields["emergency_reason"]


class MeetingActionForm(BootstrapFormMixin, forms.Form):
    description = forms.CharField(label=_("Action that follows"), max_length=300)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=None, empty_label=_("Choose…"))
    due_on = forms.DateField(
        label=_("Due"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, owners=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners


class PeriodForm(BootstrapFormMixin, forms.Form):
    start = forms.DateField(
        label=pgettext_lazy("period", "From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    end = forms.DateField(
        label=pgettext_lazy("period", "To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError(_("The period ends before it starts."))
        return data


class ProvisionFilterForm(PeriodForm):
    client = forms.IntegerField(label=_("Client number"), required=False, min_value=1)
