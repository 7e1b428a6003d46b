"""Reads of the supplies app. The stock pages hold no personal data (a handout shows as a
handout, never whose); her handouts are read only through `handouts_of_case` and the privacy
holder, by those who may see her."""

from __future__ import annotations

import datetime
from collections import defaultdict
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import TruncMonth

from accounts.models import User
from core import authz
from core.time import start_of_day

from .models import (
    SITE_TYPES,
    Handout,
    Item,
    Kit,
    Place,
    SiteRequest,
    SiteType,
    StockBalance,
    StockMinimum,
    StockMovement,
)

Kind = StockMovement.Kind


def _require_reader(user: User) -> None:
    authz.require(user, "supplies.view_stock")


def items() -> QuerySet[Item]:
    return Item.objects.filter(is_active=True).order_by("order", "code")


def kits() -> QuerySet[Kit]:
    return Kit.objects.prefetch_related("components__item").order_by("code")


def places(user: User, *, active_only: bool = True) -> QuerySet[Place]:
    _require_reader(user)
    qs = Place.objects.select_related("partner").order_by("site_type", "name", "pk")
    return qs.filter(is_active=True) if active_only else qs


def storages(user: User) -> QuerySet[Place]:
    return places(user).filter(site_type=SiteType.STORAGE)


def sites(user: User) -> QuerySet[Place]:
    return places(user).exclude(site_type=SiteType.STORAGE)


def place_get(user: User, pk: object) -> Place:
    return authz.get_or_deny(places(user, active_only=False), pk)


def overview(user: User) -> dict[str, Any]:
    """Item × place: the balance, its minimum and whether it is low. Three queries."""
    _require_reader(user)
    item_list = list(items())
    place_list = list(places(user))
    balances = {
        (b.item_id, b.place_id): b.quantity
        for b in StockBalance.objects.filter(place__is_active=True)
    }
    minimums = {
        (m.item_id, m.place_id): m.quantity
        for m in StockMinimum.objects.filter(place__is_active=True)
    }
    rows = []
    for place in place_list:
        cells = []
        for item in item_list:
            quantity = balances.get((item.pk, place.pk), 0)
            minimum = minimums.get((item.pk, place.pk))
            cells.append(
                {
                    "item": item,
                    "quantity": quantity,
                    "minimum": minimum,
                    "low": minimum is not None and quantity < minimum,
                }
            )
        rows.append({"place": place, "cells": cells})
    totals = [sum(balances.get((i.pk, p.pk), 0) for p in place_list) for i in item_list]
    return {"items": item_list, "rows": rows, "totals": totals}


def movements(
    user: User,
    *,
    item: Item | None = None,
    place: Place | None = None,
    kind: str = "",
    start: datetime.date | None = None,
    end: datetime.date | None = None,
) -> QuerySet[StockMovement]:
    """The ledger, newest first, filtered; one query with what a row shows."""
    _require_reader(user)
    qs = StockMovement.objects.select_related("item", "source", "target", "by").order_by(
        "-occurred_at", "-pk"
    )
    if item is not None:
        qs = qs.filter(item=item)
    if place is not None:
        qs = qs.filter(Q(source=place) | Q(target=place))
    if kind:
        qs = qs.filter(kind=kind)
    if start is not None:
        qs = qs.filter(occurred_at__gte=start_of_day(start))
    if end is not None:
        qs = qs.filter(occurred_at__lt=start_of_day(end + datetime.timedelta(days=1)))
    return qs


def balance_after(movement: StockMovement, place: Place | None) -> int | None:
    """The balance of `place` (its item) just after `movement`: stored on the movement."""
    if place is None:
        return None
    if movement.source_id == place.pk:
        return movement.source_after
    if movement.target_id == place.pk:
        return movement.target_after
    return None


def batch_movements(user: User, movement_pk: object) -> list[StockMovement]:
    """Every movement of the submission `movement_pk` belongs to (a delivery slip's lines)."""
    first = authz.get_or_deny(movements(user), movement_pk)
    return list(movements(user).filter(batch=first.batch).order_by("item__order", "pk"))


def pending_requests(user: User) -> QuerySet[SiteRequest]:
    _require_reader(user)
    return (
        SiteRequest.objects.filter(
            status__in=[SiteRequest.Status.PENDING, SiteRequest.Status.APPROVED]
        )
        .select_related("site", "item", "recorded_by")
        .order_by("requested_at", "pk")
    )


def requests(user: User) -> QuerySet[SiteRequest]:
    _require_reader(user)
    return SiteRequest.objects.select_related("site", "item", "decided_by").order_by(
        "-requested_at", "-pk"
    )


def request_get(user: User, pk: object) -> SiteRequest:
    return authz.get_or_deny(requests(user), pk)


def low_balances(user: User) -> list[dict[str, Any]]:
    """Balances below their minimum, two queries."""
    _require_reader(user)
    minimums = StockMinimum.objects.select_related("item", "place").filter(place__is_active=True)
    balances = {(b.item_id, b.place_id): b.quantity for b in StockBalance.objects.all()}
    return [
        {"item": m.item, "place": m.place, "quantity": q, "minimum": m.quantity}
        for m in minimums
        if (q := balances.get((m.item_id, m.place_id), 0)) < m.quantity
    ]


def handouts_of_case(case) -> QuerySet[Handout]:
    """Her handouts in the consultations of a case (the case page has authorised the reader)."""
    return (
        Handout.objects.filter(consultation__case=case)
        .select_related("by", "kit")
        .prefetch_related("movements__item")
        .order_by("handed_at", "pk")
    )


def handouts_of_consultations(user: User, consultation_ids: list[int]) -> dict[int, list[Handout]]:
    found: dict[int, list[Handout]] = defaultdict(list)
    for h in (
        Handout.objects.filter(consultation_id__in=consultation_ids)
        .select_related("kit")
        .order_by("handed_at", "pk")
    ):
        found[h.consultation_id].append(h)
    return found


# --- distribution figures and the yearly report ---------------------------------------------


def _in_period(start: datetime.date, end: datetime.date) -> QuerySet[StockMovement]:
    return StockMovement.objects.filter(
        occurred_at__gte=start_of_day(start),
        occurred_at__lt=start_of_day(end + datetime.timedelta(days=1)),
    )


def _out_of_storage(start: datetime.date, end: datetime.date) -> QuerySet[StockMovement]:
    """Distributions from storage to sites and handouts from storage in [start, end]
    (Asia/Tokyo days), those later reversed left out: what the report counts as distributed."""
    return (
        _in_period(start, end)
        .filter(
            source__site_type=SiteType.STORAGE,
            reversed_by__isnull=True,
        )
        .filter(
            Q(kind=Kind.DISTRIBUTION, target__isnull=False) & ~Q(target__site_type=SiteType.STORAGE)
            | Q(kind=Kind.HANDOUT)
        )
    )


def distribution_table(start: datetime.date, end: datetime.date) -> dict[str, Any]:
    """Per month × site type (and handouts), each item's quantity out of storage. One query."""
    rows = (
        _out_of_storage(start, end)
        .annotate(month=TruncMonth("occurred_at"))
        .values_list("month", "kind", "target__site_type", "item__code")
        .annotate(total=Sum("quantity"))
        .order_by()
    )
    table: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for month, kind, site_type, code, total in rows:
        column = "handout" if kind == Kind.HANDOUT else site_type
        table[(month.strftime("%Y-%m"), column)][code] += total
    return table


def months_between(start: datetime.date, end: datetime.date) -> list[str]:
    months, day = [], start.replace(day=1)
    while day <= end:
        months.append(day.strftime("%Y-%m"))
        day = (day + datetime.timedelta(days=32)).replace(day=1)
    return months


def report_numbers(start: datetime.date, end: datetime.date) -> dict[str, int]:
    """The `supplies.*` keys of the yearly report for [start, end] (both days included, Asia/
    Tokyo): quantity distributed per item (out of storage to sites, plus handouts from
    storage), per site type and item, handed out per item, and the stock held at the end per
    item. Four queries, whatever the size of the ledger."""
    codes = list(Item.objects.order_by("order", "code").values_list("code", flat=True))
    numbers: dict[str, int] = {}
    for code in codes:
        numbers[f"supplies.distributed.{code}"] = 0
        numbers[f"supplies.handed_out.{code}"] = 0
        numbers[f"supplies.stock_at_end.{code}"] = 0
        for site_type in SITE_TYPES:
            numbers[f"supplies.by_site_type.{site_type}.{code}"] = 0
    rows = (
        _out_of_storage(start, end)
        .values_list("kind", "target__site_type", "item__code")
        .annotate(total=Sum("quantity"))
        .order_by()
    )
    for kind, site_type, code, total in rows:
        numbers[f"supplies.distributed.{code}"] += total
        if kind == Kind.DISTRIBUTION:
            numbers[f"supplies.by_site_type.{site_type}.{code}"] += total
    # Handed to women in consultations, from whatever place.
    handed = (
        _in_period(start, end)
        .filter(kind=Kind.HANDOUT, reversed_by__isnull=True)
        .values_list("item__code")
        .annotate(total=Sum("quantity"))
        .order_by()
    )
    for code, total in handed:
        numbers[f"supplies.handed_out.{code}"] += total
    # Stock at the end: what storage places hold (in minus out) at the end of the last day.
    until = start_of_day(end + datetime.timedelta(days=1))
    for side, sign in (("target", 1), ("source", -1)):
        moved = (
            StockMovement.objects.filter(
                occurred_at__lt=until, **{f"{side}__site_type": SiteType.STORAGE}
            )
            .values_list("item__code")
            .annotate(total=Sum("quantity"))
            .order_by()
        )
        for code, total in moved:
            numbers[f"supplies.stock_at_end.{code}"] += sign * total
    return numbers


def recent_consultations(client, limit: int) -> list:
    """Her latest consultations (the client page has authorised the reader). One query."""
    return list(client.consultations.order_by("-started_at", "-pk")[:limit])
