"""`stock_verify`: every balance recomputed from the ledger in two aggregate queries (what went
in and what went out per item × place), compared with the balance rows in a third."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Sum

from ..models import StockBalance, StockMovement


@dataclass(frozen=True)
class Difference:
    item_id: int
    place_id: int
    balance: int
    ledger: int


def ledger_sums() -> dict[tuple[int, int], int]:
    """{(item_id, place_id): quantity in minus quantity out}, over the whole ledger."""
    sums: dict[tuple[int, int], int] = defaultdict(int)
    into = (
        StockMovement.objects.filter(target__isnull=False)
        .values_list("item_id", "target_id")
        .annotate(total=Sum("quantity"))
        .order_by()
    )
    for item_id, place_id, total in into:
        sums[(item_id, place_id)] += total
    out = (
        StockMovement.objects.filter(source__isnull=False)
        .values_list("item_id", "source_id")
        .annotate(total=Sum("quantity"))
        .order_by()
    )
    for item_id, place_id, total in out:
        sums[(item_id, place_id)] -= total
    return dict(sums)


def stock_verify() -> list[Difference]:
    """Every item × place whose balance row differs from the ledger (a missing row is 0)."""
    sums = ledger_sums()
    balances = {
        (i, p): q for i, p, q in StockBalance.objects.values_list("item_id", "place_id", "quantity")
    }
    differences = []
    for key in sorted(sums.keys() | balances.keys()):
        ledger, balance = sums.get(key, 0), balances.get(key, 0)
        if ledger != balance:
            differences.append(Difference(key[0], key[1], balance, ledger))
    return differences
