"""Accompaniments (同行支援): booked, held with an outcome, or cancelled. Booking one creates a
follow-up for the counselor, due at 17:00 (Japan time) the day before; cancelling cancels it."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from cases.models import Case
from core import authz
from core.bounds import NOTE_MAX, REASON_MAX, check_bounds
from core.time import local_date, local_datetime
from followups.services import followup_create

from ..models import Accompaniment, Partner, Referral
from .common import refuse_if_closed, reminder_end, require_caseworker_of

REMINDER_TIME = datetime.time(17, 0)


def reminder_due(starts_at: datetime.datetime, now: datetime.datetime) -> datetime.datetime:
    """17:00 in Tokyo the day before, or now when that has passed."""
    due = local_datetime(local_date(starts_at) - datetime.timedelta(days=1), REMINDER_TIME)
    return max(due, now)


@transaction.atomic
def accompaniment_book(
    *,
    case: Case,
    place: str,
    starts_at: datetime.datetime,
    counselors: Iterable[User],
    by: User,
    ends_at: datetime.datetime | None = None,
    referral: Referral | None = None,
    partner: Partner | None = None,
    transport: str = "",
    cost_yen: int = 0,
) -> Accompaniment:
    require_caseworker_of(by, case)
    # A closing approved meanwhile: read the case under its lock.
    case = Case.objects.select_for_update(no_key=True).get(pk=case.pk)
    refuse_if_closed(case)
    errors: dict[str, str] = {}
    place = (place or "").strip()
    transport = (transport or "").strip()
    counselors = list(counselors)
    if not place:
        errors["place"] = _("Say where she is accompanied to.")
    if starts_at is None or timezone.is_naive(starts_at):
        errors["starts_at"] = _("Enter when it starts.")
    elif ends_at is not None and ends_at < starts_at:
        errors["ends_at"] = _("The end is before the start.")
    if not counselors:
        errors["counselors"] = _("Choose at least one counselor.")
    for user in counselors:
        if not authz.can(user, "referrals.work_with_referrals"):
            errors["counselors"] = _("%(name)s is not a counselor.") % {"name": user}
    if cost_yen is None or cost_yen < 0:
        errors["cost_yen"] = _("The cost cannot be negative.")
    if referral is not None and referral.case_id != case.pk:
        errors["referral"] = _("This referral belongs to another case.")
    if errors:
        raise ValidationError(errors)
    check_bounds(
        schedules={"starts_at": starts_at, "ends_at": ends_at},
        texts={"place": (place, 300), "transport": (transport, 200)},
    )
    if partner is None and referral is not None:
        partner = referral.partner
    accompaniment = Accompaniment.objects.create(
        case=case,
        client_id=case.client_id,
        referral=referral,
        partner=partner,
        place=place,
        starts_at=starts_at,
        ends_at=ends_at,
        transport=transport,
        cost_yen=cost_yen,
        created_by=by,
    )
    accompaniment.counselors.set(counselors)
    assignee = by if by in counselors else counselors[0]
    accompaniment.reminder = followup_create(
        client=case.client,
        case=case,
        what=_("Accompaniment tomorrow: %(place)s") % {"place": place[:150]},
        due_at=reminder_due(starts_at, timezone.now()),
        assignee=assignee,
        by=by,
    )
    accompaniment.save(update_fields=["reminder"])
    return accompaniment


def _locked(accompaniment: Accompaniment) -> Accompaniment:
    # Recording the outcome and cancelling at once: the second sees the first's result.
    row = (
        Accompaniment.objects.select_for_update(of=("self",))
        .select_related("case")
        .get(pk=accompaniment.pk)
    )
    if row.status != Accompaniment.Status.PLANNED:
        raise ValidationError(
            _("This accompaniment is already %(status)s.") % {"status": row.get_status_display()},
            code="not_planned",
        )
    return row


@transaction.atomic
def accompaniment_record_outcome(
    *,
    accompaniment: Accompaniment,
    outcome: str,
    by: User,
    ends_at: datetime.datetime | None = None,
    cost_yen: int | None = None,
) -> Accompaniment:
    """It took place: held, with what came of it."""
    require_caseworker_of(by, accompaniment.case)
    outcome = (outcome or "").strip()
    if not outcome:
        raise ValidationError({"outcome": _("Record the outcome.")}, code="required")
    check_bounds(texts={"outcome": (outcome, NOTE_MAX)})
    if cost_yen is not None and cost_yen < 0:
        raise ValidationError({"cost_yen": _("The cost cannot be negative.")})
    row = _locked(accompaniment)
    if ends_at is not None:
        if ends_at < row.starts_at:
            raise ValidationError({"ends_at": _("The end is before the start.")})
        row.ends_at = ends_at
    if cost_yen is not None:
        row.cost_yen = cost_yen
    row.status = Accompaniment.Status.HELD
    row.outcome = outcome
    row.save()
    reminder_end(row.reminder_id, by=by, reason="", done=True)
    return row


@transaction.atomic
def accompaniment_cancel(*, accompaniment: Accompaniment, by: User, reason: str) -> Accompaniment:
    require_caseworker_of(by, accompaniment.case)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why it is cancelled.")}, code="required")
    check_bounds(texts={"reason": (reason, REASON_MAX)})
    row = _locked(accompaniment)
    row.status = Accompaniment.Status.CANCELLED
    row.cancel_reason = reason
    row.save()
    reminder_end(row.reminder_id, by=by, reason=_("The accompaniment was cancelled."))
    return row
