"""What the referral, accompaniment and meeting services share: shared items, the basis of a
provision (her consent or an emergency override), the provision record, and reminders."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from cases.models import Case, Client
from core import authz
from core.bounds import REASON_MAX, check_bounds
from followups.models import FollowUp
from followups.services import followup_cancel, followup_complete

from ..models import (
    PROVISION_RETENTION_YEARS,
    SHARED_ITEMS,
    Consent,
    CoordinationMeeting,
    Partner,
    ProvisionBasis,
    ProvisionRecord,
    Referral,
    SharedItem,
)


def items_clean(items: Iterable[str], field: str = "shared_items") -> list[str]:
    """The item codes, each once, in the order of SharedItem; refused when empty or unknown."""
    given = set(items or ())
    unknown = given - set(SHARED_ITEMS)
    if unknown:
        raise ValidationError(
            {field: _("Unknown items: %(items)s.") % {"items": ", ".join(sorted(unknown))}},
            code="unknown_item",
        )
    if not given:
        raise ValidationError({field: _("Choose at least one item to share.")}, code="no_item")
    return [code for code in SHARED_ITEMS if code in given]


def item_labels(items: Iterable[str]) -> str:
    labels = dict(SharedItem.choices)
    return "、".join(str(labels.get(code, code)) for code in items)


def require_caseworker_of(by: User, case: Case) -> None:
    """Her counselors and supervisors work with a case's referrals; anyone else is refused."""
    if not (
        authz.can(by, "referrals.work_with_referrals") and authz.can(by, "cases.view_case", case)
    ):
        raise PermissionDenied(_("You cannot work with the referrals of this case."))


def refuse_if_closed(case: Case) -> None:
    if case.status == Case.Status.CLOSED:
        raise ValidationError(
            _("This case is closed. Ask a supervisor to reopen it first."), code="case_closed"
        )


def check_basis(
    *,
    client: Client,
    items: list[str],
    consent: Consent | None,
    emergency_reason: str,
    by: User,
) -> tuple[str, Consent | None, str]:
    """The basis for giving `items` of her information to a third party:
    (basis, the consent row locked, the emergency reason). Refused with a message otherwise.

    An emergency (life or body at risk, APPI art. 27(1)(ii)) needs a supervisor and a reason,
    and no consent. Otherwise: her recorded consent, not withdrawn, covering every item, and
    no general withdrawal or anonymisation recorded by the privacy app."""
    emergency_reason = (emergency_reason or "").strip()
    if emergency_reason:
        if not authz.can(by, "referrals.override_consent"):
            raise PermissionDenied(
                _("Only a supervisor may record an emergency override of her consent.")
            )
        check_bounds(texts={"emergency_reason": (emergency_reason, REASON_MAX)})
        return ProvisionBasis.EMERGENCY, None, emergency_reason
    if consent is None:
        raise ValidationError(
            _(
                "Her consent to sharing is not recorded. Record it first, or ask a supervisor "
                "to record an emergency override."
            ),
            code="no_consent",
        )
    # A withdrawal recorded at the same moment: read the consent under its lock, so either the
    # withdrawal waits for this provision or this provision sees the withdrawal.
    consent = Consent.objects.select_for_update().get(pk=consent.pk)
    if consent.client_id != client.pk:
        raise ValidationError(
            {"consent": _("This consent was given by another client.")}, code="other_client"
        )
    if consent.is_withdrawn:
        raise ValidationError(
            _("Her consent was withdrawn on %(date)s. Nothing may be shared on it.")
            % {"date": timezone.localtime(consent.withdrawn_at).strftime("%Y-%m-%d")},
            code="consent_withdrawn",
        )
    missing = [code for code in items if code not in consent.scope]
    if missing:
        raise ValidationError(
            {
                "shared_items": _("Her consent does not cover: %(items)s.")
                % {"items": item_labels(missing)}
            },
            code="outside_consent",
        )
    if not authz.can(by, "privacy.may_share_client", client):
        raise ValidationError(
            _(
                "She has withdrawn her consent to sharing with partners (or her record is "
                "anonymised). Nothing may be shared."
            ),
            code="sharing_withdrawn",
        )
    return ProvisionBasis.CONSENT, consent, ""


def retain_until(provided_at: datetime.datetime) -> datetime.datetime:
    """Three calendar years after the provision (29 February keeps to the 28th)."""
    try:
        return provided_at.replace(year=provided_at.year + PROVISION_RETENTION_YEARS)
    except ValueError:
        return provided_at.replace(year=provided_at.year + PROVISION_RETENTION_YEARS, day=28)


def provision_write(
    *,
    client: Client,
    partner: Partner,
    items: list[str],
    basis: str,
    consent: Consent | None,
    by: User,
    at: datetime.datetime,
    referral: Referral | None = None,
    meeting: CoordinationMeeting | None = None,
) -> ProvisionRecord:
    """The record of one provision, in the caller's transaction (the send or the meeting)."""
    return ProvisionRecord.objects.create(
        provided_at=at,
        recipient_name=partner.name,
        recipient_kind=partner.kind,
        partner=partner,
        client=client,
        items=items,
        basis=basis,
        consent=consent,
        by=by,
        referral=referral,
        meeting=meeting,
        retain_until=retain_until(at),
    )


def reminder_end(followup_id: int | None, *, by: User, reason: str, done: bool = False) -> None:
    """Close a reminder the referral or accompaniment no longer needs (if still open)."""
    if followup_id is None:
        return
    followup = FollowUp.objects.filter(pk=followup_id).first()
    if followup is None or not followup.is_open:
        return
    if done:
        followup_complete(followup=followup, by=by)
    else:
        followup_cancel(followup=followup, by=by, reason=reason[:200])
