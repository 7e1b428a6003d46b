"""Support-coordination meetings (支援調整会議): who met, the women discussed, what was shared
about each (a provision record per partner organisation present), and the support actions
that follow on her case (through the cases service, with their owners)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from cases.models import Case
from cases.services.cases import support_action_add
from core import authz
from core.bounds import NOTE_MAX, REASON_MAX, check_bounds, happened_problem

from ..models import Consent, CoordinationMeeting, MeetingCase, Partner
from .common import check_basis, items_clean, provision_write, require_caseworker_of


@dataclass(frozen=True)
class MeetingAction:
    """A support action agreed at the meeting, for her case."""

    description: str
    owner: User
    due_on: datetime.date | None = None


@dataclass(frozen=True)
class MeetingCaseInput:
    """One woman discussed: what was shared about her, on which basis, and what follows."""

    case: Case
    shared_items: Sequence[str]
    consent: Consent | None = None
    emergency_reason: str = ""
    decisions: str = ""
    actions: Sequence[MeetingAction] = field(default_factory=tuple)


@transaction.atomic
def meeting_record(
    *,
    held_at: datetime.datetime,
    title: str,
    by: User,
    cases: Iterable[MeetingCaseInput],
    organisations: Iterable[Partner] = (),
    other_organisations: str = "",
    participants: str = "",
    notes: str = "",
    decisions: str = "",
) -> CoordinationMeeting:
    if not authz.can(by, "referrals.work_with_referrals"):
        raise PermissionDenied(_("You cannot record a support-coordination meeting."))
    title = (title or "").strip()
    cases = list(cases)
    organisations = list(dict.fromkeys(organisations))
    errors: dict[str, str] = {}
    if not title:
        errors["title"] = _("Give the meeting a title.")
    if held_at is None or timezone.is_naive(held_at):
        errors["held_at"] = _("Enter when the meeting was held.")
    elif problem := happened_problem(held_at):
        errors["held_at"] = problem
    if not cases:
        errors["cases"] = _("Add at least one woman discussed.")
    if len({item.case.pk for item in cases}) != len(cases):
        errors["cases"] = _("Each case is discussed once per meeting.")
    if errors:
        raise ValidationError(errors)
    check_bounds(
        datetimes={"held_at": held_at},
        texts={
            "title": (title, 200),
            "other_organisations": (other_organisations, REASON_MAX),
            "participants": (participants, REASON_MAX),
            "notes": (notes, NOTE_MAX),
            "decisions": (decisions, NOTE_MAX),
        },
    )
    meeting = CoordinationMeeting.objects.create(
        held_at=held_at,
        title=title,
        other_organisations=(other_organisations or "").strip(),
        participants=(participants or "").strip(),
        notes=(notes or "").strip(),
        decisions=(decisions or "").strip(),
        created_by=by,
    )
    meeting.organisations.set(organisations)
    for item in cases:
        require_caseworker_of(by, item.case)
        case = Case.objects.select_related("client").get(pk=item.case.pk)
        items = items_clean(item.shared_items)
        basis, consent, emergency_reason = check_basis(
            client=case.client,
            items=items,
            consent=item.consent,
            emergency_reason=item.emergency_reason,
            by=by,
        )
        check_bounds(texts={"decisions": (item.decisions, NOTE_MAX)})
        MeetingCase.objects.create(
            meeting=meeting,
            case=case,
            client=case.client,
            shared_items=items,
            basis=basis,
            consent=consent,
            emergency_reason=emergency_reason,
            decisions=(item.decisions or "").strip(),
        )
        for partner in organisations:
            provision_write(
                client=case.client,
                partner=partner,
                items=items,
                basis=basis,
                consent=consent,
                by=by,
                at=held_at,
                meeting=meeting,
            )
        for action in item.actions:
            support_action_add(
                case=case,
                description=action.description,
                owner=action.owner,
                due_on=action.due_on,
                by=by,
            )
    return meeting
