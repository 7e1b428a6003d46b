"""Forms of the client and consultation pages. They check input shape only; the rules live in
`cases.services.clients` and `cases.services.consultations`."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.models import User
from accounts.selectors import users_with_roles
from core import authz, registry
from core.bounds import (
    NOTE_MAX,
    REASON_MAX,
    validate_fact_date,
    validate_fact_datetime,
    validate_schedule_datetime,
)
from core.roles import Role
from core.time import TOKYO
from core.widgets import DATE_WIDGET, DATETIME_WIDGET

from ..models import Case, Client, Consultation, RiskFlag
from ..services.clients import phone_clean

# "None" alone is translated by the admin's catalogue first (as "None"); a context keeps ours.
OUTCOME_CHOICES = [
    (value, pgettext_lazy("consultation outcome", "None") if value == "none" else label)
    for value, label in Consultation.Outcome.choices
]
CHOICE_WIDGETS = (forms.CheckboxSelectMultiple, forms.RadioSelect, forms.CheckboxInput)


def choice_labels(choices: Iterable[tuple[str, object]], codes: Iterable[str]) -> list[str]:
    """The labels of stored codes (topics, outcomes), in their order; an unknown code as is."""
    labels = dict(choices)
    return [str(labels.get(code, code)) for code in codes]


def _model_field(model, name: str, **kwargs) -> forms.Field:
    """The form field Django derives from the model field (label, length, choices), its empty
    choice worded as every other form's rather than Django's "---------"."""
    field = model._meta.get_field(name).formfield(**kwargs)
    choices = list(getattr(field, "choices", None) or [])
    if choices and choices[0][0] == "" and choices[0][1] == "---------":
        field.choices = [("", _("Choose…")), *choices[1:]]
    return field


class BootstrapFormMixin:
    """Bootstrap classes on widgets, and `is-invalid` on fields with errors (Django itself adds
    aria-invalid and the aria-describedby that ties each error to its field). Labels begin with
    a capital letter in English: many reuse a model's lower-case field name."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if field.label is not None:
                field.label = capfirst(field.label)
            widget = field.widget
            if isinstance(widget, CHOICE_WIDGETS):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()

    def add_error(self, field, error) -> None:
        super().add_error(field, error)
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                if "is-invalid" not in widget.attrs.get("class", ""):
                    widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()


# The length "starting now" gives a consultation that has just begun, until its end is known.
START_NOW_MINUTES = 30


def default_times(
    now: datetime.datetime | None = None,
) -> tuple[datetime.datetime, datetime.datetime]:
    """A conversation that just ended: 30 minutes up to now, rounded down to 5 minutes."""
    now = timezone.localtime(now or timezone.now()).replace(second=0, microsecond=0)
    ended = now - datetime.timedelta(minutes=now.minute % 5)
    return ended - datetime.timedelta(minutes=30), ended


def new_consultation_initial(user: User) -> dict:
    """A blank consultation form: a LINE chat that just ended, recorded by the counselor."""
    started, ended = default_times()
    return {
        "kind": Consultation.Kind.LINE,
        "started_at": started,
        "ended_at": ended,
        "counselors": [user] if authz.is_counselor(user) else [],
    }


class ClientProfileForm(BootstrapFormMixin, forms.Form):
    nickname = _model_field(
        Client, "nickname", help_text=_("The name she uses with us; not her real name.")
    )
    line_user_id = _model_field(Client, "line_user_id", required=False)
    # The text as typed, hyphens and all; clean_phone() keeps the digits (at most the column's).
    phone = forms.CharField(
        label=_("phone"),
        max_length=30,
        required=False,
        help_text=_("Hyphens are fine; only digits are kept."),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    age_band = _model_field(Client, "age_band")
    ward = _model_field(Client, "ward")
    employment = _model_field(Client, "employment")
    household = _model_field(Client, "household")
    heard_from = _model_field(Client, "heard_from", required=False)
    consent_scope = _model_field(Client, "consent_scope")
    consent_given_on = _model_field(
        Client, "consent_given_on", widget=DATE_WIDGET, validators=[validate_fact_date]
    )
    consent_method = _model_field(Client, "consent_method", required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["line_user_id"].widget.attrs["autocomplete"] = "off"
        self.fields["nickname"].widget.attrs["autocomplete"] = "off"

    def clean_phone(self) -> str:
        try:
            return phone_clean(self.cleaned_data.get("phone"))
        except ValidationError as exc:
            raise ValidationError(exc.message_dict["phone"]) from None


class ClientEditForm(ClientProfileForm):
    first_contact_at = _model_field(
        Client, "first_contact_at", widget=DATETIME_WIDGET, validators=[validate_fact_datetime]
    )

    @staticmethod
    def initial_for(client: Client) -> dict:
        return {name: getattr(client, name) for name in ClientEditForm.base_fields}


class ConsultationForm(BootstrapFormMixin, forms.Form):
    kind = _model_field(Consultation, "kind", label=_("how she consulted"))
    started_at = forms.DateTimeField(
        label=_("start"), widget=DATETIME_WIDGET, validators=[validate_fact_datetime]
    )
    ended_at = forms.DateTimeField(
        label=_("end"), widget=DATETIME_WIDGET, validators=[validate_fact_datetime]
    )
    main_concern = forms.ChoiceField(
        label=_("main concern"),
        choices=[("", _("Choose…")), *Consultation.MainConcern.choices],
    )
    topics = forms.MultipleChoiceField(
        label=_("topics"),
        choices=Consultation.Topic.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    established = forms.TypedChoiceField(
        label=_("Was the consultation established?"),
        choices=[("yes", _("Yes (established)")), ("no", _("No (not established)"))],
        coerce=lambda value: value == "yes",
        initial="yes",
        widget=forms.RadioSelect,
    )
    summary = forms.CharField(
        label=_("summary"),
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    notes = forms.CharField(
        label=_("notes"),
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    outcomes = forms.MultipleChoiceField(
        label=_("outcome"),
        choices=OUTCOME_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    follow_up_needed = forms.BooleanField(label=_("follow-up needed"), required=False)
    # Asked with the box, so that ticking it creates the follow-up (recording a consultation
    # only; a follow-up is changed on its own page afterwards).
    follow_up_due_at = forms.DateTimeField(
        label=_("follow-up due"),
        required=False,
        widget=DATETIME_WIDGET,
        validators=[validate_schedule_datetime],
        help_text=_("When the follow-up is due, if you ticked the box."),
    )
    follow_up_what = forms.CharField(
        label=_("what to follow up"),
        required=False,
        max_length=200,
        help_text=_("For example: call her to hear how the visit to the ward office went."),
    )
    counselors = forms.ModelMultipleChoiceField(
        label=_("counselors"),
        queryset=users_with_roles(Role.COUNSELOR),
        widget=forms.CheckboxSelectMultiple,
    )
    case = forms.ModelChoiceField(
        label=_("case"), queryset=Case.objects.none(), required=False, empty_label=_("(none)")
    )

    def __init__(self, *args, cases=None, recording: bool = True, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if cases is None:
            del self.fields["case"]
        else:
            self.fields["case"].queryset = cases
        if not recording:  # a correction: the follow-up, if any, lives on its own page
            del self.fields["follow_up_due_at"], self.fields["follow_up_what"]
        elif not registry.consultation_follow_ups:
            # Nothing would create the follow-up: do not offer a box that does nothing.
            for name in ("follow_up_needed", "follow_up_due_at", "follow_up_what"):
                del self.fields[name]

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("started_at"), data.get("ended_at")
        if start and end and end <= start:
            self.add_error("ended_at", ValidationError(_("The end must be after the start.")))
        if (
            "follow_up_due_at" in self.fields
            and data.get("follow_up_needed")
            and not data.get("follow_up_due_at")
            and "follow_up_due_at" not in self.errors
        ):
            self.add_error(
                "follow_up_due_at", _("Say when the follow-up is due, or untick the box.")
            )
        return data

    @property
    def start_now(self) -> dict:
        """What the "starting now" button fills in (static/js/client-form.js): the server's
        clock and Tokyo's offset, so the browser's own clock and time zone play no part."""
        now = timezone.now()
        return {
            "server_now": int(now.timestamp() * 1000),
            "utc_offset": int(now.astimezone(TOKYO).utcoffset().total_seconds() // 60),
            "minutes": START_NOW_MINUTES,
        }

    @staticmethod
    def initial_for(consultation: Consultation) -> dict:
        return {
            "kind": consultation.kind,
            "started_at": consultation.started_at,
            "ended_at": consultation.ended_at,
            "main_concern": consultation.main_concern,
            "topics": consultation.topics,
            "established": "yes" if consultation.established else "no",
            "summary": consultation.summary,
            "notes": consultation.notes,
            "outcomes": consultation.outcomes,
            "follow_up_needed": consultation.follow_up_needed,
            "counselors": list(consultation.counselors.all()),
            "case": consultation.case_id,
        }

    def consultation_data(self) -> dict:
        names = [n for n in ConsultationForm.base_fields if n in self.fields]
        return {name: self.cleaned_data[name] for name in names}


class IntakeForm(ConsultationForm, ClientProfileForm):
    """Intake: a new client and her first consultation, in one form."""

    # The order a counselor fills it in after a chat: who, when, what, then her profile.
    field_order = [
        "nickname",
        "kind",
        "started_at",
        "ended_at",
        "main_concern",
        "topics",
        "established",
        "summary",
        "outcomes",
        "follow_up_needed",
        "follow_up_due_at",
        "follow_up_what",
        "notes",
        "line_user_id",
        "phone",
        "age_band",
        "ward",
        "employment",
        "household",
        "heard_from",
        "consent_scope",
        "consent_given_on",
        "consent_method",
        "counselors",
    ]

    def client_data(self) -> dict:
        data = {name: self.cleaned_data[name] for name in ClientProfileForm.base_fields}
        data["first_contact_at"] = self.cleaned_data["started_at"]
        return data


class RiskFlagForm(BootstrapFormMixin, forms.Form):
    # No risk is pre-selected: a flag is set on purpose, never by a default.
    kind = forms.ChoiceField(label=_("risk"), choices=[("", _("Choose…")), *RiskFlag.Kind.choices])
    note = forms.CharField(label=_("note"), max_length=200, required=False)
    expires_at = forms.DateTimeField(
        label=_("expires at"),
        required=False,
        widget=DATETIME_WIDGET,
        validators=[validate_schedule_datetime],
    )


class CounselorsForm(BootstrapFormMixin, forms.Form):
    counselors = forms.ModelMultipleChoiceField(
        label=_("counselors"),
        queryset=users_with_roles(Role.COUNSELOR),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class MergeForm(BootstrapFormMixin, forms.Form):
    merged = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(
        label=_("Reason for merging"),
        required=False,
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
