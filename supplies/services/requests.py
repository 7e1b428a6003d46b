"""Site requests: a site asks for a quantity; a coordinator approves it (possibly fewer) or
declines it, and fulfils an approved one with one click, which books the distribution.

pending → approved → fulfilled; pending | approved → declined. Each change locks the request
row (two coordinators clicking at once: one changes it, the other is told), and pghistory
records who made it.
"""

from __future__ import annotations

import datetime
import uuid

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core import authz
from core.bounds import NOTE_MAX, REASON_MAX, check_bounds

from ..models import Item, Place, SiteRequest
from .ledger import _positive, stock_distribute

Status = SiteRequest.Status


def _require(by: User) -> None:
    if not authz.can(by, "supplies.manage_stock"):
        raise PermissionDenied(_("You cannot handle site requests."))


def _locked(request: SiteRequest, *allowed: str) -> SiteRequest:
    request = SiteRequest.objects.select_for_update().get(pk=request.pk)
    if request.status not in allowed:
        raise ValidationError(
            _("This request is already %(status)s.") % {"status": request.get_status_display()},
            code="stale",
        )
    return request


@transaction.atomic
def site_request_create(
    *,
    site: Place,
    item: Item,
    quantity: int,
    by: User,
    note: str = "",
    requested_at: datetime.datetime | None = None,
) -> SiteRequest:
    _require(by)
    if site.is_storage:
        raise ValidationError({"site": _("Requests come from distribution sites.")})
    check_bounds(texts={"note": (note, NOTE_MAX)})
    return SiteRequest.objects.create(
        site=site,
        item=item,
        requested=_positive(quantity),
        note=(note or "").strip(),
        requested_at=requested_at or timezone.now(),
        recorded_by=by,
    )


@transaction.atomic
def site_request_approve(
    *, request: SiteRequest, quantity: int | None = None, by: User, note: str = ""
) -> SiteRequest:
    _require(by)
    request = _locked(request, Status.PENDING)
    quantity = request.requested if quantity is None else _positive(quantity)
    if quantity > request.requested:
        raise ValidationError(
            {"quantity": _("Approve at most the %(n)d requested.") % {"n": request.requested}}
        )
    check_bounds(texts={"note": (note, REASON_MAX)})
    request.status = Status.APPROVED
    request.approved = quantity
    request.decision_note = (note or "").strip()
    request.decided_by = by
    request.decided_at = timezone.now()
    request.save()
    return request


@transaction.atomic
def site_request_decline(*, request: SiteRequest, by: User, note: str = "") -> SiteRequest:
    _require(by)
    request = _locked(request, Status.PENDING, Status.APPROVED)
    check_bounds(texts={"note": (note, REASON_MAX)})
    request.status = Status.DECLINED
    request.decision_note = (note or "").strip()
    request.decided_by = by
    request.decided_at = timezone.now()
    request.save()
    return request


@transaction.atomic
def site_request_fulfil(*, request: SiteRequest, source: Place, by: User) -> SiteRequest:
    """Books the distribution of the approved quantity from `source` to the site."""
    _require(by)
    request = _locked(request, Status.APPROVED)
    batch = uuid.uuid4()
    stock_distribute(
        item=request.item,
        source=source,
        target=request.site,
        quantity=request.approved,
        by=by,
        note=_("Site request #%(pk)d") % {"pk": request.pk},
        batch=batch,
    )
    request.status = Status.FULFILLED
    request.distribution_batch = batch
    request.save()
    return request
