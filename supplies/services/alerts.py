"""Low-stock alerts: the row first (`StockBalance.low_alerted`, set by the movement that made
the balance fall below its minimum), the Celery message after commit, one notification per
coordinator per fall (the dedupe key names the fall)."""

from __future__ import annotations

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core import authz
from core.roles import Role
from notifications.models import Notification
from notifications.services import notification_send

from ..models import StockBalance, StockMinimum


def low_stock_alert_enqueue(*, balance_id: int) -> None:
    from .. import tasks

    transaction.on_commit(lambda: tasks.low_stock_alert.delay(balance_id))


def low_stock_alert_send(*, balance_id: int) -> int:
    """Tell every coordinator that the balance is low, if it still is; the number told.

    Idempotent: the key holds the balance and the time it fell, so a repeated message adds
    nothing, and the next fall (after a recovery) is a new key."""
    balance = (
        StockBalance.objects.filter(pk=balance_id, low_alerted=True)
        .select_related("item", "place")
        .first()
    )
    if balance is None:
        return 0
    minimum = (
        StockMinimum.objects.filter(item=balance.item_id, place=balance.place_id)
        .values_list("quantity", flat=True)
        .first()
    )
    if minimum is None or balance.quantity >= minimum:
        return 0
    fell_at = balance.updated_at.strftime("%Y%m%d%H%M%S%f")
    title = _("Low stock: %(item)s at %(place)s (%(quantity)d left, minimum %(minimum)d)") % {
        "item": balance.item,
        "place": balance.place,
        "quantity": balance.quantity,
        "minimum": minimum,
    }
    told = 0
    for user in User.objects.filter(authz.role_q(Role.COORDINATOR)).distinct():
        sent = notification_send(
            user=user,
            kind=Notification.Kind.OTHER,
            title=title,
            url=reverse("supplies:overview"),
            dedupe_key=f"supplies.low:{balance.pk}:{fell_at}",
        )
        told += sent is not None
    return told


def stock_verify_alert(*, differences: int) -> int:
    """Tell every supervisor that the nightly check found balances off the ledger."""
    told = 0
    title = _("Stock check: %(count)d balances differ from the ledger") % {"count": differences}
    for user in User.objects.filter(authz.role_q(Role.SUPERVISOR)).distinct():
        sent = notification_send(
            user=user,
            kind=Notification.Kind.OTHER,
            title=title,
            url=reverse("supplies:overview"),
            dedupe_key=f"supplies.verify:{timezone.localdate().isoformat()}",
        )
        told += sent is not None
    return told
