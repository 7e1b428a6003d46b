from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cases.forms.clients import BootstrapFormMixin

from .models import TEXT_MAX, Message


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
