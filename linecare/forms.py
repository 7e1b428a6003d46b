from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.selectors import users_with_roles
from cases.forms.clients import BootstrapFormMixin
from core.choices import Ward
from core.roles import Role

from .models import (
    BROADCAST_TEXT_MAX,
    IMAGE_MAX_BYTES,
    STATIC_IMAGES,
    Broadcast,
    Protocol,
    ProtocolCall,
    RiskExpression,
)


class RiskExpressionForm(BootstrapFormMixin, forms.Form):
    category = forms.ChoiceField(
        label=_("category"), choices=RiskExpression._meta.get_field("category").choices
    )
    kind = forms.ChoiceField(label=_("kind"), choices=RiskExpression.Kind.choices)
    phrase = forms.CharField(label=_("expression"), max_length=60)
    active = forms.BooleanField(label=_("active"), required=False, initial=True)


class TestBoxForm(BootstrapFormMixin, forms.Form):
    sample = forms.CharField(
        label=_("sample message"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )


class ProtocolOpenForm(BootstrapFormMixin, forms.Form):
    wish_to_die = forms.ChoiceField(label=_("She wishes to die"), choices=Protocol.Answer.choices)
    plan = forms.ChoiceField(label=_("She has a plan"), choices=Protocol.Answer.choices)
    means = forms.ChoiceField(label=_("She has the means at hand"), choices=Protocol.Answer.choices)
    time_frame = forms.ChoiceField(label=_("She has a time frame"), choices=Protocol.Answer.choices)
    alone = forms.ChoiceField(label=_("She is alone now"), choices=Protocol.Answer.choices)
    location = forms.CharField(label=_("where she is, if she says"), max_length=200, required=False)


class ProtocolCallForm(BootstrapFormMixin, forms.Form):
    to = forms.ChoiceField(label=_("called"), choices=ProtocolCall.To.choices)
    called_at = forms.DateTimeField(
        label=_("call time"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    called_by = forms.ModelChoiceField(label=_("who called"), queryset=None)
    consent = forms.BooleanField(label=_("with her consent"), required=False)
    reason_without_consent = forms.CharField(
        label=_("reason for acting without her consent"), max_length=300, required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["called_by"].queryset = users_with_roles(Role.COUNSELOR, Role.SUPERVISOR)
        self.fields["called_at"].initial = timezone.localtime().replace(second=0, microsecond=0)


class BroadcastForm(BootstrapFormMixin, forms.Form):
    """An outreach broadcast's draft. The service checks everything again (and the image by
    its content); this form only turns the request into values."""

    title = forms.CharField(
        label=_("title"),
        max_length=100,
        help_text=_("For staff only: friends see the message, not this title."),
    )
    text = forms.CharField(
        label=_("message"),
        max_length=BROADCAST_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    static_image = forms.ChoiceField(
        label=_("image from the library"),
        required=False,
        choices=[("", _("No image"))] + list(STATIC_IMAGES.items()),
    )
    image = forms.FileField(
        label=_("or upload an image"),
        required=False,
        help_text=_("A JPEG or PNG picture of at most 10 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png"}),
    )
    remove_image = forms.BooleanField(label=_("remove the uploaded image"), required=False)
    segment = forms.ChoiceField(
        label=_("recipients"), choices=Broadcast.Segment.choices, widget=forms.RadioSelect
    )
    ward = forms.ChoiceField(
        label=_("ward"), required=False, choices=[("", "—")] + list(Ward.choices)
    )
    period_start = forms.DateField(
        label=pgettext_lazy("period", "from"),
        required=False,
        help_text=_("Peer support attended, or the account added, from this day."),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    period_end = forms.DateField(
        label=pgettext_lazy("period", "until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean_image(self) -> bytes | None:
        upload = self.cleaned_data.get("image")
        if not upload:
            return None
        if upload.size > IMAGE_MAX_BYTES:
            raise forms.ValidationError(_("The image is larger than 10 MB."))
        return upload.read()

    def service_values(self) -> dict:
        data = dict(self.cleaned_data)
        data["upload"] = data.pop("image")
        return data


class BroadcastReturnForm(BootstrapFormMixin, forms.Form):
    reason = forms.CharField(
        label=_("what should change"), max_length=300, widget=forms.Textarea(attrs={"rows": 2})
    )
