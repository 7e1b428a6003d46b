"""Writes for her APPI rights: anonymisation (retention and erasure), erasure requests and
their decisions, consent withdrawal. Each is one transaction.

Anonymising asks every registered holder (`core.registry.client_data`) to scrub its rows: the
privacy app knows no other app by name.
"""

from __future__ import annotations

import datetime
import logging

import pgtrigger
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from cases.models import Client
from cases.privacy import REMOVED
from cases.services.clients import client_update
from core import authz, registry
from core.bounds import REASON_MAX, check_bounds

from .models import AnonymisationRecord, Channel, ConsentWithdrawal, ErasureRequest
from .selectors import retention_due

logger = logging.getLogger(__name__)

# The privacy app's own free texts (her reason, a note) are lifted from their append-only
# trigger for the anonymisation's transaction only, like the cases app's notes.
APPEND_ONLY_LIFTED = ("privacy.ConsentWithdrawal:privacy_consentwithdrawal_append_only",)


def _lock(client: Client) -> Client:
    # Anonymising her while a counselor saves her profile (or a second run of the job, or an
    # erasure approved at the same moment): the second waits, then sees the first's result.
    return Client.objects.select_for_update().get(pk=client.pk)


def _scrub_own(client: Client) -> dict[str, int]:
    with pgtrigger.ignore(*APPEND_ONLY_LIFTED):
        withdrawals = (
            ConsentWithdrawal.objects.filter(client=client).exclude(note="").update(note="")
        )
    requests = ErasureRequest.objects.filter(client=client)
    erasures = requests.exclude(reason="").update(reason="") + requests.exclude(
        decision_note=""
    ).exclude(decision_note=REMOVED).update(decision_note=REMOVED)
    return {
        k: v
        for k, v in {"consent_withdrawals": withdrawals, "erasure_requests": erasures}.items()
        if v
    }


def _anonymise_locked(
    client: Client,
    *,
    reason: str,
    now: datetime.datetime,
    approved_by: User | None = None,
    erasure_request: ErasureRequest | None = None,
    last_activity_at: datetime.datetime | None = None,
) -> AnonymisationRecord:
    scrubbed: dict[str, int] = {}
    for holder in registry.client_data:
        if holder.anonymise is not None:
            scrubbed.update(holder.anonymise(client, now))
    scrubbed.update(_scrub_own(client))
    return AnonymisationRecord.objects.create(
        client=client,
        reason=reason,
        at=now,
        approved_by=approved_by,
        erasure_request=erasure_request,
        last_activity_at=last_activity_at,
        scrubbed=scrubbed,
    )


@transaction.atomic
def client_anonymise_for_retention(
    *, client: Client, now: datetime.datetime | None = None
) -> AnonymisationRecord | None:
    """Anonymise her when she is still due (no activity for RETENTION_YEARS); None when she is
    not due any more (a consultation recorded meanwhile) or already anonymised. Idempotent."""
    now = now or timezone.now()
    client = _lock(client)
    due = retention_due(now=now).filter(pk=client.pk).values_list("last_activity", flat=True)
    last_activity_at = next(iter(due), None)
    if last_activity_at is None:  # re-checked under the lock: not due, or done already
        return None
    return _anonymise_locked(
        client,
        reason=AnonymisationRecord.Reason.RETENTION,
        now=now,
        last_activity_at=last_activity_at,
    )


def retention_anonymise(*, now: datetime.datetime | None = None, limit: int = 500) -> list[int]:
    """The retention job: anonymise every client due, one transaction each, up to `limit` per
    run (the next run takes the rest). Returns their ids."""
    now = now or timezone.now()
    done = []
    for pk in list(retention_due(now=now).values_list("pk", flat=True)[:limit]):
        if client_anonymise_for_retention(client=Client(pk=pk), now=now) is not None:
            done.append(pk)
    if done:
        logger.info("retention: %d client records anonymised", len(done))
    return done


# --- erasure requests (削除請求) ----------------------------------------------------------------


@transaction.atomic
def erasure_request_create(
    *, client: Client, received_via: str, reason: str = "", by: User
) -> ErasureRequest:
    if not authz.can(by, "privacy.request_erasure", client):
        raise PermissionDenied(_("You cannot record a request for this client."))
    client = _lock(client)  # two people recording her request at once: one pending request
    reason = (reason or "").strip()
    check_bounds(texts={"reason": (reason, REASON_MAX)})
    if received_via not in Channel.values:
        raise ValidationError({"received_via": _("Choose how the request was received.")})
    if AnonymisationRecord.objects.filter(client=client).exists():
        raise ValidationError(_("This record is already anonymised."), code="anonymised")
    if ErasureRequest.objects.filter(client=client, state=ErasureRequest.State.PENDING).exists():
        raise ValidationError(
            _("An erasure request for this client is already awaiting a decision."),
            code="pending",
        )
    return ErasureRequest.objects.create(
        client=client, received_via=received_via, reason=reason, requested_by=by
    )


@transaction.atomic
def erasure_request_decide(
    *, request: ErasureRequest, approve: bool, note: str = "", by: User
) -> ErasureRequest:
    """A supervisor other than the one who recorded it decides. Approval anonymises her record
    at once, in the same transaction (reason "erasure"); declining says why."""
    if not authz.can(by, "privacy.decide_erasure"):
        raise PermissionDenied(_("Only a supervisor can decide on an erasure request."))
    note = (note or "").strip()
    check_bounds(texts={"note": (note, REASON_MAX)})
    if not approve and not note:
        raise ValidationError({"note": _("Say why the request is declined.")}, code="required")
    # Lock her, then the request (the same order as erasure_request_create): two supervisors
    # deciding at once, the second waits and then finds it decided.
    client = _lock(request.client)
    request = ErasureRequest.objects.select_for_update().get(pk=request.pk)
    if request.state != ErasureRequest.State.PENDING:
        raise ValidationError(_("This request was already decided."), code="decided")
    if request.requested_by_id == by.pk:
        raise ValidationError(
            _("Another supervisor must decide on a request you recorded."), code="four_eyes"
        )
    now = timezone.now()
    request.state = ErasureRequest.State.APPROVED if approve else ErasureRequest.State.REJECTED
    request.decided_by = by
    request.decided_at = now
    request.decision_note = note
    request.save(update_fields=["state", "decided_by", "decided_at", "decision_note"])
    if approve and not AnonymisationRecord.objects.filter(client=client).exists():
        _anonymise_locked(
            client,
            reason=AnonymisationRecord.Reason.ERASURE,
            now=now,
            approved_by=by,
            erasure_request=request,
        )
        request.refresh_from_db()
    return request


# --- consent withdrawal (同意の撤回) ----------------------------------------------------------


@transaction.atomic
def consent_withdraw(
    *, client: Client, scope: str, method: str, note: str = "", by: User
) -> ConsentWithdrawal:
    """Record that she withdrew her consent and lower it on her record (through the cases
    service, which keeps who recorded it): sharing → record only; all → none."""
    if not authz.can(by, "privacy.withdraw_consent", client):
        raise PermissionDenied(_("You cannot record a withdrawal for this client."))
    note = (note or "").strip()
    check_bounds(texts={"note": (note, REASON_MAX)})
    errors = {}
    if scope not in ConsentWithdrawal.Scope.values:
        errors["scope"] = _("Choose what she withdrew.")
    if method not in Channel.values:
        errors["method"] = _("Choose how she told us.")
    if errors:
        raise ValidationError(errors, code="invalid")
    client = _lock(client)  # her consent is read, then lowered: no profile save in between
    before = client.consent_scope
    if scope == ConsentWithdrawal.Scope.ALL:
        target = Client.ConsentScope.NONE
    elif before == Client.ConsentScope.SHARE:
        target = Client.ConsentScope.RECORD
    else:
        target = before  # she had not agreed to sharing: nothing to lower, still recorded
    if target != before:
        client_update(client=client, by=by, consent_scope=target)
    return ConsentWithdrawal.objects.create(
        client=client, scope=scope, method=method, note=note, scope_before=before, recorded_by=by
    )
