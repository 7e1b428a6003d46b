from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.bounds import REASON_MAX

from .models import Channel, ConsentWithdrawal


def _choices(choices) -> list[tuple[str, str]]:
    # The empty choice reads as the other forms' ("選択してください"), never "---------".
    return [("", _("Choose…")), *choices]


class ErasureRequestForm(forms.Form):
    received_via = forms.ChoiceField(
        label=_("How the request was received"), choices=_choices(Channel.choices)
    )
    reason = forms.CharField(
        label=_("What she asked for, in her words (optional)"),
        required=False,
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ErasureDecisionForm(forms.Form):
    APPROVE = "approve"
    DECLINE = "decline"
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[(APPROVE, _("Approve: anonymise her record now")), (DECLINE, _("Decline"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def clean(self) -> dict:
        data = super().clean()
        if data.get("decision") == self.DECLINE and not data.get("note", "").strip():
            self.add_error("note", _("Say why the request is declined."))
        return data


class ConsentWithdrawalForm(forms.Form):
    scope = forms.ChoiceField(
        label=_("What she withdrew"),
        choices=ConsentWithdrawal.Scope.choices,
        widget=forms.RadioSelect,
    )
    method = forms.ChoiceField(label=_("How she told us"), choices=_choices(Channel.choices))
    note = forms.CharField(
        label=_("Note (optional)"),
        required=False,
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
