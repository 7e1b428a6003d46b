from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.selectors import users_with_roles
from cases.forms.clients import BootstrapFormMixin
from core.roles import Role

from .models import Protocol, ProtocolCall, RiskExpression


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
