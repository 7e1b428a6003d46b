"""Writes about reaching a record outside one's scope: the break-glass opening."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import BreakGlassAccess
from audit.services import break_glass_record
from core import authz
from core.bounds import REASON_MAX, check_bounds

from ..models import Client


@transaction.atomic
def client_break_glass(*, request: HttpRequest, client: object, reason: str) -> BreakGlassAccess:
    """She opens the record of a client outside her scope, saying why: a grant for
    `BREAK_GLASS_MINUTES` and its security event, together. `client` is the client or her
    intake line (anything with her `pk`). The reason is required and bounded; it is stored
    for the supervisors' review and never logged."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(
            {"reason": _("Say why you need to open her record before taking her on.")},
            code="required",
        )
    check_bounds(texts={"reason": (reason, REASON_MAX)})
    if not authz.can(request.user, "cases.break_glass_client", client):
        raise PermissionDenied(_("You cannot open this record by break-glass."))
    expires_at = timezone.now() + datetime.timedelta(minutes=settings.BREAK_GLASS_MINUTES)
    return break_glass_record(
        request=request,
        object_type=Client,
        object_id=client.pk,
        reason=reason,
        expires_at=expires_at,
    )
