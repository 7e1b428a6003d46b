"""Forms of the case pages. They validate input only; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from accounts.selectors import users_with_roles
from core import registry
from core.bounds import NOTE_MAX, REASON_MAX, validate_schedule_date
from core.roles import Role

from ..models import Case, RiskFlag, SupportGoal
from ..services.cases import OPEN_ITEMS_REASON_MAX


def _counselors_field() -> forms.ModelMultipleChoiceField:
    # A case's team is picked from the active counselors (a supervisor who also counsels holds
    # the counselor role too); supervisors oversee every case without being on its team.
    return forms.ModelMultipleChoiceField(
        label=_("Counselors"),
        queryset=users_with_roles(Role.COUNSELOR),
        widget=forms.CheckboxSelectMultiple,
    )


class _PageForm(forms.Form):
    """The case page holds many forms: each gets its own ids, so labels and errors stay tied
    to the right field."""

    id_prefix = "form"

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("auto_id", f"id_{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class CaseFilterForm(forms.Form):
    STATUS_CHOICES = [
        ("", _("Open cases")),
        *Case.Status.choices,
        ("all", _("All")),
    ]
    status = forms.ChoiceField(label=_("Status"), choices=STATUS_CHOICES, required=False)
    priority = forms.TypedChoiceField(
        label=_("Priority"),
        choices=[("", _("All")), *Case.Priority.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    mine = forms.BooleanField(label=_("Only cases I am assigned to"), required=False)


class RiskBoardFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Risk"), choices=[("", _("All risks")), *RiskFlag.Kind.choices], required=False
    )


class CaseOpenForm(forms.Form):
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        required=False,
        help_text=_("A short working title, without her name (optional)."),
    )
    counselors = _counselors_field()


class CaseAssignForm(_PageForm):
    id_prefix = "assign"
    counselors = _counselors_field()


class CaseStatusForm(_PageForm):
    id_prefix = "status"
    status = forms.ChoiceField(
        label=_("New status"),
        choices=[c for c in Case.Status.choices if c[0] != Case.Status.CLOSED],
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class CaseNoteForm(_PageForm):
    id_prefix = "note"
    body = forms.CharField(
        label=_("Case note"), max_length=NOTE_MAX, widget=forms.Textarea(attrs={"rows": 4})
    )


class CaseNoteCorrectForm(_PageForm):
    id_prefix = "correct"
    body = forms.CharField(
        label=_("Corrected note"), max_length=NOTE_MAX, widget=forms.Textarea(attrs={"rows": 4})
    )


class SupportGoalForm(_PageForm):
    id_prefix = "goal"
    text = forms.CharField(label=_("Goal"), max_length=300)


class SupportActionForm(_PageForm):
    id_prefix = "action"
    description = forms.CharField(label=pgettext_lazy("support plan", "Action"), max_length=300)
    # Anyone on the staff may own an action.
    owner = forms.ModelChoiceField(
        label=_("Owner"), queryset=users_with_roles(*Role.values), empty_label=_("Choose…")
    )
    due_on = forms.DateField(
        label=_("Due date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_schedule_date],
    )
    goal = forms.ModelChoiceField(
        label=_("Goal"),
        queryset=SupportGoal.objects.none(),
        required=False,
        empty_label=_("(none)"),
    )

    def __init__(self, *args, case: Case, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # Only this case's goals are offered, and only these are accepted.
        self.fields["goal"].queryset = SupportGoal.objects.filter(
            case=case, achieved_at__isnull=True
        ).order_by("created_at", "pk")


class ClosureRequestForm(_PageForm):
    id_prefix = "closure"
    reason = forms.ChoiceField(
        label=_("Reason for closing"),
        choices=[("", _("Choose…")), *Case.CloseReason.choices],
    )
    note = forms.CharField(
        label=_("Note for the supervisor"),
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    # Shown only when items are still open on the case; the service asks for it then.
    open_items_seen = forms.BooleanField(
        label=_("I have read the open items; the supervisor decides what becomes of them."),
        required=False,
    )


class ClosureDecisionForm(_PageForm):
    id_prefix = "decision"
    APPROVE = "approve"
    DECLINE = "decline"
    # No decision is pre-selected: approving closes the case, a step the supervisor takes on
    # purpose.
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("", _("Choose…")), (APPROVE, _("Approve closing")), (DECLINE, _("Decline"))],
    )
    note = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    # For the items still open on the case (shown only then; the service requires them then).
    open_items = forms.ChoiceField(
        label=_("The items still open"),
        choices=[
            ("", _("Choose…")),
            (registry.SETTLE_CANCEL, _("Cancel them")),
            (registry.SETTLE_HAND_OVER, _("Hand them over to a counselor")),
        ],
        required=False,
    )
    hand_over_to = forms.ModelChoiceField(
        label=_("Counselor who takes them over"),
        queryset=users_with_roles(Role.COUNSELOR),
        required=False,
        empty_label=_("Choose…"),
    )
    open_items_reason = forms.CharField(
        label=_("Why (recorded with each item)"),
        required=False,
        max_length=OPEN_ITEMS_REASON_MAX,
    )

    def counselor_choices(self) -> list:
        """The hand-over choices as a list, to share between the forms of one page."""
        return list(self.fields["hand_over_to"].choices)

    def clean(self) -> dict:
        data = super().clean()
        if data.get("decision") == self.DECLINE and not data.get("note", "").strip():
            self.add_error("note", _("Say why closing is declined."))
        if (
            data.get("decision") == self.APPROVE
            and data.get("open_items") == registry.SETTLE_HAND_OVER
            and not data.get("hand_over_to")
            and "hand_over_to" not in self.errors
        ):
            self.add_error("hand_over_to", _("Choose the counselor who takes them over."))
        return data


class CaseReopenForm(_PageForm):
    id_prefix = "reopen"
    note = forms.CharField(
        label=_("Why is the case reopened?"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
