"""Her consent to sharing, and referrals (つなぎ) with their status flow.

draft → sent → accepted | declined(reason) → in_progress → completed(outcome); withdrawn from
any open step. Each change is one transaction that locks the referral row and writes its
ReferralTransition; sending writes the ProvisionRecord in the same transaction and a
reminder for the sender, cancelled when the referral leaves "sent".
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from cases.models import Case, Client
from cases.services.clients import client_update
from core import authz, registry
from core.bounds import NOTE_MAX, REASON_MAX, check_bounds, happened_problem
from core.time import local_date
from followups.services import followup_create

from ..models import Accompaniment, Consent, MeetingCase, Partner, Referral, ReferralTransition
from .common import (
    check_basis,
    items_clean,
    provision_write,
    refuse_if_closed,
    reminder_end,
    require_caseworker_of,
)

Status = Referral.Status

# Where each status may go. Completed, declined and withdrawn are final.
TRANSITIONS: dict[str, frozenset[str]] = {
    Status.DRAFT: frozenset({Status.SENT, Status.WITHDRAWN}),
    Status.SENT: frozenset({Status.ACCEPTED, Status.DECLINED, Status.WITHDRAWN}),
    Status.ACCEPTED: frozenset({Status.IN_PROGRESS, Status.WITHDRAWN}),
    Status.IN_PROGRESS: frozenset({Status.COMPLETED, Status.WITHDRAWN}),
    Status.COMPLETED: frozenset(),
    Status.DECLINED: frozenset(),
    Status.WITHDRAWN: frozenset(),
}

# How her consent's method is written on her client record (Client.ConsentMethod).
CLIENT_CONSENT_METHOD = {
    Consent.Method.IN_PERSON: Client.ConsentMethod.IN_PERSON,
    Consent.Method.PHONE: Client.ConsentMethod.PHONE,
    Consent.Method.LINE: Client.ConsentMethod.LINE,
    Consent.Method.WRITTEN: Client.ConsentMethod.WRITTEN,
}


def reminder_days() -> int:
    return int(getattr(settings, "REFERRAL_SENT_REMINDER_DAYS", 7))


# --- consent ----------------------------------------------------------------------------------


@transaction.atomic
def consent_record(
    *,
    client: Client,
    given_at: datetime.datetime,
    method: str,
    scope: Iterable[str],
    by: User,
    given_by_herself: bool = True,
    given_by_name: str = "",
    given_by_relationship: str = "",
) -> Consent:
    """Record her consent to sharing the items of `scope` with partners. Her record's general
    consent is raised to "share" (through the cases service, which keeps who recorded it), so
    that the privacy app's rule agrees until she withdraws it."""
    if not (
        authz.can(by, "referrals.work_with_referrals")
        and authz.can(by, "cases.view_client", client)
    ):
        raise PermissionDenied(_("You cannot record consent for this client."))
    errors: dict[str, str] = {}
    given_by_name = (given_by_name or "").strip()
    given_by_relationship = (given_by_relationship or "").strip()
    if method not in Consent.Method.values:
        errors["method"] = _("Choose how she gave her consent.")
    if not given_by_herself and not given_by_name:
        errors["given_by_name"] = _("Say who gave the consent on her behalf.")
    if given_at is None or timezone.is_naive(given_at):
        errors["given_at"] = _("Enter when the consent was given.")
    elif problem := happened_problem(given_at):
        errors["given_at"] = problem
    if errors:
        raise ValidationError(errors)
    items = items_clean(scope, field="scope")
    check_bounds(
        datetimes={"given_at": given_at},
        texts={
            "given_by_name": (given_by_name, 100),
            "given_by_relationship": (given_by_relationship, 100),
        },
    )
    consent = Consent.objects.create(
        client=client,
        given_by_herself=given_by_herself,
        given_by_name="" if given_by_herself else given_by_name,
        given_by_relationship="" if given_by_herself else given_by_relationship,
        given_at=given_at,
        method=method,
        scope=items,
        recorded_by=by,
    )
    if client.consent_scope != Client.ConsentScope.SHARE:
        client_update(
            client=client,
            by=by,
            consent_scope=Client.ConsentScope.SHARE,
            consent_given_on=local_date(given_at),
            consent_method=CLIENT_CONSENT_METHOD[method],
        )
    return consent


@transaction.atomic
def consent_withdraw(*, consent: Consent, by: User, reason: str = "") -> Consent:
    """She withdrew this consent: nothing is sent on it from now on (what was sent stays
    recorded)."""
    if not (
        authz.can(by, "referrals.work_with_referrals")
        and authz.can(by, "cases.view_client", consent.client)
    ):
        raise PermissionDenied(_("You cannot record a withdrawal for this client."))
    reason = (reason or "").strip()
    check_bounds(texts={"reason": (reason, REASON_MAX)})
    # A send reading this consent at the same moment: it waits, then sees the withdrawal.
    row = Consent.objects.select_for_update().get(pk=consent.pk)
    if row.is_withdrawn:
        raise ValidationError(_("This consent is already withdrawn."), code="already_withdrawn")
    row.withdrawn_at = timezone.now()
    row.withdrawn_by = by
    row.withdraw_reason = reason
    row.save(update_fields=["withdrawn_at", "withdrawn_by", "withdraw_reason"])
    return row


# --- referrals --------------------------------------------------------------------------------


def _transition_row(referral: Referral, *, before: str, by: User, note: str = "") -> None:
    ReferralTransition.objects.create(
        referral=referral, from_status=before, to_status=referral.status, by=by, note=note
    )


def _locked(referral: Referral, *, to: str) -> Referral:
    """The referral re-read under its row lock, refused unless it may move to `to`."""
    # Two people moving one referral at once (accept and withdraw): the second waits for the
    # first to commit and is then judged against the status the first left.
    row = (
        Referral.objects.select_for_update(of=("self",))
        .select_related("case", "client", "partner")
        .get(pk=referral.pk)
    )
    if to not in TRANSITIONS[row.status]:
        labels = dict(Status.choices)
        raise ValidationError(
            _("This referral is %(status)s; it cannot become %(target)s.")
            % {"status": labels[row.status], "target": labels[to]},
            code="forbidden_transition",
        )
    return row


def _refresh(target: Referral, source: Referral) -> Referral:
    for field in Referral._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))
    return target


def _text(value: str, field: str, limit: int, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError({field: message}, code="required")
    check_bounds(texts={field: (value, limit)})
    return value


@transaction.atomic
def referral_create(
    *, case: Case, partner: Partner, reason: str, shared_items: Iterable[str], by: User
) -> Referral:
    """A draft referral from her case to a partner."""
    require_caseworker_of(by, case)
    # A closing approved meanwhile: read the case under its lock.
    case = Case.objects.select_for_update(no_key=True).get(pk=case.pk)
    refuse_if_closed(case)
    # A coordinator deactivating the partner meanwhile: read it again.
    partner = Partner.objects.get(pk=partner.pk)
    if not partner.is_active:
        raise ValidationError(
            {"partner": _("This partner is no longer active; choose another.")}, code="inactive"
        )
    reason = _text(reason, "reason", NOTE_MAX, _("Say why she is referred."))
    items = items_clean(shared_items)
    referral = Referral.objects.create(
        case=case,
        client_id=case.client_id,
        partner=partner,
        reason=reason,
        shared_items=items,
        created_by=by,
    )
    _transition_row(referral, before="", by=by)
    return referral


@transaction.atomic
def referral_send(
    *,
    referral: Referral,
    by: User,
    consent: Consent | None = None,
    emergency_reason: str = "",
    note: str = "",
) -> Referral:
    """Send it: on her consent covering every shared item, or on a supervisor's emergency
    override with a reason (life or body at risk). Writes the provision record and the
    sender's reminder in the same transaction."""
    require_caseworker_of(by, referral.case)
    row = _locked(referral, to=Status.SENT)
    refuse_if_closed(row.case)
    if not row.partner.is_active:
        raise ValidationError(
            {"partner": _("This partner is no longer active; choose another.")}, code="inactive"
        )
    note = (note or "").strip()
    check_bounds(texts={"note": (note, NOTE_MAX)})
    basis, consent, emergency_reason = check_basis(
        client=row.client,
        items=list(row.shared_items),
        consent=consent,
        emergency_reason=emergency_reason,
        by=by,
    )
    now = timezone.now()
    before = row.status
    row.status = Status.SENT
    row.sent_at = now
    row.sent_by = by
    row.consent = consent
    if emergency_reason:
        row.emergency_override_reason = emergency_reason
        row.override_by = by
        row.override_at = now
    row.reminder = followup_create(
        client=row.client,
        case=row.case,
        what=_("Referral to %(partner)s: has it been accepted?")
        % {"partner": row.partner.name[:120]},
        due_at=now + datetime.timedelta(days=reminder_days()),
        assignee=by,
        by=by,
    )
    row.save()
    _transition_row(row, before=before, by=by, note=note)
    provision_write(
        client=row.client,
        partner=row.partner,
        items=list(row.shared_items),
        basis=basis,
        consent=consent,
        by=by,
        at=now,
        referral=row,
    )
    return _refresh(referral, row)


def _move(referral: Referral, *, to: str, by: User, note: str = "", **fields: object) -> Referral:
    require_caseworker_of(by, referral.case)
    row = _locked(referral, to=to)
    before = row.status
    row.status = to
    for name, value in fields.items():
        setattr(row, name, value)
    row.save()
    _transition_row(row, before=before, by=by, note=note)
    if before == Status.SENT:
        reminder_end(row.reminder_id, by=by, reason=_("The referral is no longer waiting."))
    return _refresh(referral, row)


@transaction.atomic
def referral_accept(*, referral: Referral, by: User, note: str = "") -> Referral:
    note = (note or "").strip()
    check_bounds(texts={"note": (note, NOTE_MAX)})
    return _move(referral, to=Status.ACCEPTED, by=by, note=note, accepted_at=timezone.now())


@transaction.atomic
def referral_decline(*, referral: Referral, by: User, reason: str) -> Referral:
    reason = _text(reason, "reason", REASON_MAX, _("Say why the partner declined."))
    return _move(
        referral,
        to=Status.DECLINED,
        by=by,
        note=reason,
        declined_reason=reason,
        closed_at=timezone.now(),
    )


@transaction.atomic
def referral_start(*, referral: Referral, by: User, note: str = "") -> Referral:
    note = (note or "").strip()
    check_bounds(texts={"note": (note, NOTE_MAX)})
    return _move(referral, to=Status.IN_PROGRESS, by=by, note=note)


@transaction.atomic
def referral_complete(*, referral: Referral, by: User, outcome: str) -> Referral:
    outcome = _text(outcome, "outcome", NOTE_MAX, _("Record the outcome."))
    return _move(referral, to=Status.COMPLETED, by=by, outcome=outcome, completed_at=timezone.now())


@transaction.atomic
def referral_withdraw(*, referral: Referral, by: User, note: str) -> Referral:
    """Withdrawn from any open step. Its provision record stays: what was sent was sent."""
    note = _text(note, "note", REASON_MAX, _("Say why the referral is withdrawn."))
    return _move(referral, to=Status.WITHDRAWN, by=by, note=note, closed_at=timezone.now())


# --- closing a case and merging two clients ---------------------------------------------------


@transaction.atomic
def referrals_settle_for_case(
    *, case: Case, outcome: str, to: User | None, reason: str, by: User, now: datetime.datetime
) -> dict[str, int]:
    """A closing approved (registered in `core.registry.case_open_items`). Cancel: open
    referrals are withdrawn and planned accompaniments cancelled, with the reason. Hand over:
    the referrals stay open with the partner and the accompaniments go to `to` as well."""
    reason = (reason or "").strip()[:REASON_MAX]
    # A transition of one of them meanwhile: lock them, so it waits and then sees the result.
    referrals = list(
        Referral.objects.select_for_update()
        .filter(case=case, status__in=Referral.OPEN_STATUSES)
        .order_by("pk")
    )
    accompaniments = list(
        Accompaniment.objects.select_for_update()
        .filter(case=case, status=Accompaniment.Status.PLANNED)
        .order_by("pk")
    )
    if outcome == registry.SETTLE_HAND_OVER:
        for accompaniment in accompaniments:
            if to is not None:
                accompaniment.counselors.add(to)
        return {
            "referrals_kept_open": len(referrals),
            "accompaniments_handed_over": len(accompaniments),
        }
    for row in referrals:
        before = row.status
        row.status = Status.WITHDRAWN
        row.closed_at = now
        row.save(update_fields=["status", "closed_at", "updated_at"])
        _transition_row(row, before=before, by=by, note=reason)
        # Her follow-ups on the case are settled by the followups app in the same closing.
    for accompaniment in accompaniments:
        accompaniment.status = Accompaniment.Status.CANCELLED
        accompaniment.cancel_reason = reason
        accompaniment.save(update_fields=["status", "cancel_reason", "updated_at"])
    return {"referrals_withdrawn": len(referrals), "accompaniments_cancelled": len(accompaniments)}


def referrals_merge_move(*, kept: Client, merged: Client, by: User, now) -> dict[str, int]:
    """A merge of two client records: her consents, referrals, accompaniments and meeting rows
    go with her. Provision records stay as written (they are evidence, and append-only): the
    disclosure and the supervisors' list follow the merged records (`family_of`). Only what
    it moved is named (a merge of a woman never referred records nothing here)."""
    moved = {
        "referral_consents": Consent.objects.filter(client=merged).update(client=kept),
        "referrals": Referral.objects.filter(client=merged).update(client=kept),
        "accompaniments": Accompaniment.objects.filter(client=merged).update(client=kept),
        "meeting_cases": MeetingCase.objects.filter(client=merged).update(client=kept),
    }
    return {label: count for label, count in moved.items() if count}


def referrals_merge_preview(*, kept: Client, merged: Client) -> dict[str, int]:
    counts = {
        "referral_consents": Consent.objects.filter(client=merged).count(),
        "referrals": Referral.objects.filter(client=merged).count(),
        "accompaniments": Accompaniment.objects.filter(client=merged).count(),
        "meeting_cases": MeetingCase.objects.filter(client=merged).count(),
    }
    return {label: count for label, count in counts.items() if count}
