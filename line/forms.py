from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cases.forms.clients import BootstrapFormMixin
from cases.models import Consultation

from .models import TEXT_MAX, Conversation, Escalation, Message


class AutoReplyTextForm(BootstrapFormMixin, forms.Form):
    text = forms.CharField(
        label=_("text"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "{next_opening} becomes the next opening time, {emergency} the emergency contacts, "
            "{wait_minutes} the rough wait in minutes."
        ),
    )


class ChannelSettingsForm(BootstrapFormMixin, forms.Form):
    show_line_profile = forms.BooleanField(
        label=_("show her LINE display name and picture to counselors"), required=False
    )


class SimulatorForm(BootstrapFormMixin, forms.Form):
    class Event:
        FOLLOW = "follow"
        UNFOLLOW = "unfollow"
        TEXT = "text"
        STICKER = "sticker"
        IMAGE = "image"

    EVENTS = [
        (Event.TEXT, _("Text message")),
        (Event.STICKER, _("Sticker")),
        (Event.IMAGE, _("Image")),
        (Event.FOLLOW, _("Add as a friend")),
        (Event.UNFOLLOW, _("Block")),
    ]
    line_user_id = forms.RegexField(
        label=_("LINE user ID"), regex=r"^U[0-9a-f]{32}$", max_length=33
    )
    event = forms.ChoiceField(label=_("what she does"), choices=EVENTS)
    text = forms.CharField(
        label=_("text"), max_length=Message._meta.get_field("text").max_length, required=False
    )


# --- the inbox ---------------------------------------------------------------------------------


class ReplyForm(BootstrapFormMixin, forms.Form):
    text = forms.CharField(
        label=_("reply to her"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class HandoverForm(BootstrapFormMixin, forms.Form):
    note = forms.CharField(
        label=_("note for the next shift"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class EscalateForm(BootstrapFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("reason"), choices=Escalation.Kind.choices)
    note = forms.CharField(label=_("note"), max_length=500, required=False)


class AssignForm(BootstrapFormMixin, forms.Form):
    to = forms.ModelChoiceField(label=_("counselor"), queryset=None)

    def __init__(self, *args, counselors=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].queryset = counselors


class InvitationForm(BootstrapFormMixin, forms.Form):
    text = forms.CharField(
        label=_("invitation"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "Every woman invited receives this same text: name the session only, never anyone."
        ),
    )


class RouteForm(BootstrapFormMixin, forms.Form):
    """To the expert of today's expert day (the page offers only today's; the service says
    why another is refused)."""

    expert = forms.ModelChoiceField(label=_("expert"), queryset=None, empty_label=None)

    def __init__(self, *args, experts=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["expert"].queryset = experts


class CloseForm(BootstrapFormMixin, forms.Form):
    # Outcomes that need no consultation record: nobody really consulted.
    WITHOUT_CONSULTATION = {Conversation.Outcome.MISTAKEN, Conversation.Outcome.NO_REPLY}

    outcome = forms.ChoiceField(
        label=pgettext_lazy("line", "outcome"),
        choices=Conversation.Outcome.choices,
        widget=forms.RadioSelect,
    )
    main_concern = forms.ChoiceField(
        label=_("main concern"),
        choices=[("", "---------"), *Consultation.MainConcern.choices],
        required=False,
    )
    topics = forms.MultipleChoiceField(
        label=_("topics"),
        choices=Consultation.Topic.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    skip_survey = forms.BooleanField(label=_("do not send the survey"), required=False)

    def clean(self):
        data = super().clean()
        outcome = data.get("outcome")
        if outcome and outcome not in self.WITHOUT_CONSULTATION and not data.get("main_concern"):
            self.add_error(
                "main_concern", _("Choose her main concern: it is recorded as a consultation.")
            )
        return data


class CannedResponseForm(BootstrapFormMixin, forms.Form):
    title = forms.CharField(label=_("title"), max_length=100)
    text = forms.CharField(
        label=_("text"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 5})
    )
    order = forms.IntegerField(label=_("order"), min_value=0, max_value=999, initial=0)
    active = forms.BooleanField(label=_("in use"), required=False, initial=True)
