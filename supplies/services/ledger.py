"""The stock ledger: every movement of stock, and the balances it keeps.

One private function, `_book`, writes any set of movements (a kit is several lines moved as
one): it locks the balance rows it changes, refuses anything that would take a balance below
zero, writes the movements with the balances they leave, and updates the balances, all in
the caller's transaction. Its cost does not depend on the length of the ledger: it reads and
writes only the balance rows of the places and items it moves.

`batch` is the submission's idempotency key: a form posted twice books its movements once
(the second call returns the first call's movements).
"""

from __future__ import annotations

import datetime
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from cases.models import Consultation
from core import authz
from core.bounds import NOTE_MAX, REASON_MAX, check_bounds, happened_problem

from ..models import (
    Handout,
    Item,
    Kit,
    Place,
    StockBalance,
    StockCount,
    StockMinimum,
    StockMovement,
)

Kind = StockMovement.Kind


@dataclass(frozen=True)
class Line:
    """One item moving: `source` loses `quantity`, `target` gains it (either may be None)."""

    item: Item
    quantity: int
    source: Place | None
    target: Place | None
    # Columns of this line's movement only (the movement a reversal reverses).
    fields: dict = field(default_factory=dict)


def _require(by: User, capability: str) -> None:
    if not authz.can(by, capability):
        raise PermissionDenied(_("You cannot record stock movements."))


def _positive(quantity: int, field: str = "quantity") -> int:
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
        raise ValidationError({field: _("Enter a quantity of 1 or more.")}, code="not_positive")
    if quantity > 10_000_000:
        raise ValidationError({field: _("This quantity is too large.")}, code="too_large")
    return quantity


def _when(occurred_at: datetime.datetime | None) -> datetime.datetime:
    occurred_at = occurred_at or timezone.now()
    if problem := happened_problem(occurred_at):
        raise ValidationError({"occurred_at": problem}, code="future")
    check_bounds(datetimes={"occurred_at": occurred_at})
    return occurred_at


def _lines_of(what: Item | Kit, quantity: int, source, target) -> list[Line]:
    """A kit moves as its components, `quantity` kits at a time."""
    if isinstance(what, Kit):
        return [
            Line(item=c.item, quantity=c.quantity * quantity, source=source, target=target)
            for c in what.components.select_related("item").order_by("item__order", "item_id")
        ]
    return [Line(item=what, quantity=quantity, source=source, target=target)]


def _lock_balances(pairs: set[tuple[int, int]]) -> dict[tuple[int, int], StockBalance]:
    """The balance rows of (item_id, place_id) `pairs`, created at zero where missing, locked.

    The lock prevents two movements from the same place reading the same quantity and both
    taking from it (an oversell); rows are locked in (item, place) order so that two movements
    touching the same rows never deadlock."""
    if not pairs:
        return {}
    q = Q()
    for item_id, place_id in pairs:
        q |= Q(item_id=item_id, place_id=place_id)

    def locked() -> dict[tuple[int, int], StockBalance]:
        rows = StockBalance.objects.select_for_update().filter(q).order_by("item_id", "place_id")
        return {(b.item_id, b.place_id): b for b in rows}

    found = locked()
    if len(found) < len(pairs):
        StockBalance.objects.bulk_create(
            [StockBalance(item_id=i, place_id=p) for i, p in pairs - found.keys()],
            ignore_conflicts=True,
        )
        found = locked()
    return found


def _existing(batch: uuid.UUID) -> list[StockMovement]:
    return list(StockMovement.objects.filter(batch=batch).select_related("item").order_by("pk"))


def _book(
    *,
    kind: str,
    lines: Sequence[Line],
    by: User,
    occurred_at: datetime.datetime,
    batch: uuid.UUID | None,
    **fields,
) -> list[StockMovement]:
    """Write `lines` as movements of `kind` (see the module's doc). Runs in the caller's
    transaction; raises ValidationError, naming item, place, available and requested, when a
    source holds too little, and then changes nothing."""
    batch = batch or uuid.uuid4()
    if done := _existing(batch):
        return done
    pairs = set()
    for line in lines:
        if line.source is not None:
            pairs.add((line.item.pk, line.source.pk))
        if line.target is not None:
            pairs.add((line.item.pk, line.target.pk))
    balances = _lock_balances(pairs)
    # The same submission may have committed while this one waited for the lock.
    if done := _existing(batch):
        return done
    taken: dict[tuple[int, int], int] = defaultdict(int)
    for line in lines:
        if line.source is not None:
            taken[(line.item.pk, line.source.pk)] += line.quantity
    for line in lines:
        if line.source is None:
            continue
        balance = balances[(line.item.pk, line.source.pk)]
        wanted = taken[(line.item.pk, line.source.pk)]
        if balance.quantity < wanted:
            raise ValidationError(
                _(
                    "Not enough %(item)s at %(place)s: %(available)d available, "
                    "%(requested)d requested."
                )
                % {
                    "item": line.item,
                    "place": line.source,
                    "available": balance.quantity,
                    "requested": wanted,
                },
                code="oversell",
            )
    movements = []
    for line in lines:
        source_after = target_after = None
        if line.source is not None:
            balance = balances[(line.item.pk, line.source.pk)]
            balance.quantity -= line.quantity
            source_after = balance.quantity
        if line.target is not None:
            balance = balances[(line.item.pk, line.target.pk)]
            balance.quantity += line.quantity
            target_after = balance.quantity
        movements.append(
            StockMovement(
                kind=kind,
                item=line.item,
                quantity=line.quantity,
                source=line.source,
                target=line.target,
                source_after=source_after,
                target_after=target_after,
                batch=batch,
                occurred_at=occurred_at,
                by=by,
                **fields,
                **line.fields,
            )
        )
    try:
        # A savepoint: a double submission that raced past both reads meets the unique
        # (batch, item) constraint here, and the caller gets the first one's movements.
        with transaction.atomic():
            StockMovement.objects.bulk_create(movements)
    except IntegrityError as exc:
        diag = getattr(exc.__cause__, "diag", None)
        if getattr(diag, "constraint_name", "") != "supplies_stockmovement_batch_item_once":
            raise
        return _existing(batch)
    now = timezone.now()
    for balance in balances.values():
        balance.updated_at = now
    StockBalance.objects.bulk_update(balances.values(), ["quantity", "updated_at"])
    _watch_minimums(balances)
    return movements


def _watch_minimums(balances: dict[tuple[int, int], StockBalance]) -> None:
    """One alert when a balance falls below its minimum; none again until it has recovered."""
    from .alerts import low_stock_alert_enqueue

    q = Q()
    for item_id, place_id in balances:
        q |= Q(item_id=item_id, place_id=place_id)
    minimums = {(m.item_id, m.place_id): m.quantity for m in StockMinimum.objects.filter(q)}
    fell, recovered = [], []
    for key, balance in balances.items():
        minimum = minimums.get(key)
        low = minimum is not None and balance.quantity < minimum
        if low and not balance.low_alerted:
            fell.append(balance.pk)
        elif not low and balance.low_alerted:
            recovered.append(balance.pk)
    if fell:
        StockBalance.objects.filter(pk__in=fell).update(low_alerted=True)
        for pk in fell:
            low_stock_alert_enqueue(balance_id=pk)
    if recovered:
        StockBalance.objects.filter(pk__in=recovered).update(low_alerted=False)


def _texts(**texts: tuple[str, int]) -> dict[str, str]:
    check_bounds(texts=dict(texts))
    return {name: (value or "").strip() for name, (value, _limit) in texts.items()}


# --- the movements ------------------------------------------------------------------------


@transaction.atomic
def stock_receive(
    *,
    item: Item | Kit,
    place: Place,
    quantity: int,
    by: User,
    origin: str = StockMovement.Origin.PURCHASE,
    supplier: str = "",
    unit_cost_yen: int | None = None,
    document_no: str = "",
    note: str = "",
    occurred_at: datetime.datetime | None = None,
    batch: uuid.UUID | None = None,
) -> list[StockMovement]:
    """入庫: a purchase or a donation arriving at a place."""
    _require(by, "supplies.manage_stock")
    if origin not in StockMovement.Origin.values:
        raise ValidationError({"origin": _("Choose purchase or donation.")}, code="origin")
    if unit_cost_yen is not None and unit_cost_yen < 0:
        raise ValidationError({"unit_cost_yen": _("Enter 0 or more.")}, code="cost")
    texts = _texts(supplier=(supplier, 200), document_no=(document_no, 50), note=(note, NOTE_MAX))
    lines = _lines_of(item, _positive(quantity), None, place)
    return _book(
        kind=Kind.RECEIPT,
        lines=lines,
        by=by,
        occurred_at=_when(occurred_at),
        batch=batch,
        origin=origin,
        unit_cost_yen=unit_cost_yen,
        **texts,
    )


@transaction.atomic
def stock_transfer(
    *,
    item: Item | Kit,
    source: Place,
    target: Place,
    quantity: int,
    by: User,
    note: str = "",
    occurred_at: datetime.datetime | None = None,
    batch: uuid.UUID | None = None,
) -> list[StockMovement]:
    """移動: stock from one place to another (a storage to another storage, a site back)."""
    _require(by, "supplies.manage_stock")
    if source.pk == target.pk:
        raise ValidationError({"target": _("Choose another place to move to.")}, code="same")
    texts = _texts(note=(note, NOTE_MAX))
    return _book(
        kind=Kind.TRANSFER,
        lines=_lines_of(item, _positive(quantity), source, target),
        by=by,
        occurred_at=_when(occurred_at),
        batch=batch,
        **texts,
    )


@transaction.atomic
def stock_distribute(
    *,
    item: Item | Kit,
    source: Place,
    target: Place,
    quantity: int,
    by: User,
    note: str = "",
    occurred_at: datetime.datetime | None = None,
    batch: uuid.UUID | None = None,
) -> list[StockMovement]:
    """配布: from a storage to a distribution site (what the yearly report counts)."""
    _require(by, "supplies.manage_stock")
    if not source.is_storage:
        raise ValidationError(
            {"source": _("Distributions leave from a storage place.")}, code="not_storage"
        )
    if target.is_storage:
        raise ValidationError(
            {"target": _("Distributions go to a distribution site, not a storage place.")},
            code="not_site",
        )
    texts = _texts(note=(note, NOTE_MAX))
    return _book(
        kind=Kind.DISTRIBUTION,
        lines=_lines_of(item, _positive(quantity), source, target),
        by=by,
        occurred_at=_when(occurred_at),
        batch=batch,
        **texts,
    )


@transaction.atomic
def stock_hand_out(
    *,
    consultation: Consultation,
    item: Item | Kit,
    source: Place,
    quantity: int,
    by: User,
    occurred_at: datetime.datetime | None = None,
    batch: uuid.UUID | None = None,
) -> Handout:
    """手渡し: products given to her in a consultation; shows on her timeline."""
    if not authz.can(by, "supplies.hand_out", consultation):
        raise PermissionDenied(_("You cannot record a handout in this consultation."))
    batch = batch or uuid.uuid4()
    if (done := Handout.objects.filter(batch=batch).first()) is not None:
        return done
    quantity = _positive(quantity)
    occurred_at = _when(occurred_at or consultation.started_at)
    try:
        with transaction.atomic():
            handout = Handout.objects.create(
                client_id=consultation.client_id,
                consultation=consultation,
                kit=item if isinstance(item, Kit) else None,
                quantity=quantity,
                batch=batch,
                handed_at=occurred_at,
                by=by,
            )
    except IntegrityError:
        # The same submission, committed while this one ran: that one's handout.
        return Handout.objects.get(batch=batch)
    _book(
        kind=Kind.HANDOUT,
        lines=_lines_of(item, quantity, source, None),
        by=by,
        occurred_at=occurred_at,
        batch=batch,
        handout=handout,
    )
    return handout


@transaction.atomic
def stock_adjust(
    *,
    item: Item,
    place: Place,
    change: int,
    reason: str,
    by: User,
    note: str = "",
    occurred_at: datetime.datetime | None = None,
    batch: uuid.UUID | None = None,
) -> list[StockMovement]:
    """調整: a signed change (damaged, found, ...) with a reason; coordinators, supervisors."""
    _require(by, "supplies.adjust_stock")
    texts = _texts(reason=(reason, REASON_MAX), note=(note, NOTE_MAX))
    if not texts["reason"]:
        raise ValidationError({"reason": _("Say why the stock is adjusted.")}, code="no_reason")
    if not isinstance(change, int) or change == 0:
        raise ValidationError({"change": _("Enter a change other than 0.")}, code="zero")
    _positive(abs(change), "change")
    source, target = (place, None) if change < 0 else (None, place)
    return _book(
        kind=Kind.ADJUSTMENT,
        lines=[Line(item=item, quantity=abs(change), source=source, target=target)],
        by=by,
        occurred_at=_when(occurred_at),
        batch=batch,
        **texts,
    )


@transaction.atomic
def stock_count_record(
    *,
    item: Item,
    place: Place,
    counted: int,
    by: User,
    note: str = "",
    counted_at: datetime.datetime | None = None,
    batch: uuid.UUID | None = None,
) -> StockCount:
    """棚卸: the counted quantity is recorded; a difference is booked as a `count` movement."""
    _require(by, "supplies.manage_stock")
    if not isinstance(counted, int) or counted < 0:
        raise ValidationError({"counted": _("Enter 0 or more.")}, code="negative")
    texts = _texts(note=(note, NOTE_MAX))
    batch = batch or uuid.uuid4()
    if (done := StockCount.objects.filter(batch=batch, item=item).first()) is not None:
        return done
    counted_at = _when(counted_at)
    # Locked, so no movement changes the balance between reading it and booking the difference.
    balance = _lock_balances({(item.pk, place.pk)})[(item.pk, place.pk)]
    if (done := StockCount.objects.filter(batch=batch, item=item).first()) is not None:
        return done
    count = StockCount.objects.create(
        item=item,
        place=place,
        counted=counted,
        expected=balance.quantity,
        batch=batch,
        counted_at=counted_at,
        by=by,
        **texts,
    )
    difference = counted - balance.quantity
    if difference:
        source, target = (place, None) if difference < 0 else (None, place)
        _book(
            kind=Kind.COUNT,
            lines=[Line(item=item, quantity=abs(difference), source=source, target=target)],
            by=by,
            occurred_at=counted_at,
            batch=batch,
            count=count,
            **texts,
        )
    return count


@transaction.atomic
def stock_batch_reverse(
    *,
    batch: uuid.UUID,
    reason: str,
    by: User,
    reversal_batch: uuid.UUID | None = None,
) -> list[StockMovement]:
    """取消: every movement of a submission booked back the other way; the originals stay."""
    originals = list(
        StockMovement.objects.filter(batch=batch)
        .select_related("item", "source", "target", "handout")
        .order_by("pk")
    )
    if not originals:
        raise ValidationError(_("There is nothing to reverse."), code="nothing")
    kinds = {m.kind for m in originals}
    if kinds == {Kind.HANDOUT}:
        handout = originals[0].handout
        if not authz.can(by, "supplies.hand_out", handout.consultation):
            raise PermissionDenied(_("You cannot reverse this handout."))
    else:
        _require(by, "supplies.adjust_stock")
    if Kind.REVERSAL in kinds:
        raise ValidationError(
            _("A reversal cannot be reversed. Record the movement again instead."),
            code="reversal_of_reversal",
        )
    texts = _texts(reason=(reason, REASON_MAX))
    if not texts["reason"]:
        raise ValidationError({"reason": _("Say why the movement is reversed.")}, code="reason")
    reversal_batch = reversal_batch or uuid.uuid4()
    if done := _existing(reversal_batch):
        return done
    # Locked with the balances below: two reversals of one submission cannot both pass.
    todo = [m for m in originals if not StockMovement.objects.filter(reverses=m).exists()]
    if not todo:
        raise ValidationError(_("This movement is already reversed."), code="reversed")
    try:
        with transaction.atomic():
            return _book(
                kind=Kind.REVERSAL,
                lines=[
                    Line(
                        item=m.item,
                        quantity=m.quantity,
                        source=m.target,
                        target=m.source,
                        fields={"reverses": m, "handout": m.handout},
                    )
                    for m in todo
                ],
                by=by,
                occurred_at=timezone.now(),
                batch=reversal_batch,
                **texts,
            )
    except IntegrityError as exc:
        # The one-to-one `reverses`: a reversal of the same movement committed meanwhile.
        raise ValidationError(_("This movement is already reversed."), code="reversed") from exc
