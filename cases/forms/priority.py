"""The case page's priority form. It validates input only; `case_set_priority` decides."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.bounds import REASON_MAX

from ..models import Case
from .cases import _PageForm


class CasePriorityForm(_PageForm):
    id_prefix = "priority"
    priority = forms.TypedChoiceField(
        label=_("New priority"), choices=Case.Priority.choices, coerce=int
    )
    note = forms.CharField(
        label=_("Why"),
        required=False,
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
