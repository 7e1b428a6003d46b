"""Demo supplies: the seed's year (FY2022) of sanitary products.

Packs, paper bags and leaflets are bought into the office's storage (two purchases and a
donation), some move to a second storage, and exactly 10,000 packs go out over the year:
distributions to sites of every type, month by month, plus kits handed to women in the demo
consultations whose outcome is "products handed out". Some stock is left at the end.

Rows are written in bulk with the balances each movement leaves, as the services would; the
last step writes the balance rows, so `stock_verify` agrees with the ledger. Registered as the
"supplies" demo seeder, after "cases" and "referrals".
"""

from __future__ import annotations

import datetime
import random
import uuid
from collections import defaultdict
from collections.abc import Mapping

import pgtrigger
from django.db.models import Model, Q

from accounts.models import User
from cases.demo import SeededCases, demo_clients
from cases.models import Consultation
from core.demo import delete_rows, history_of, trigger_uris
from core.registry import DemoContext
from core.time import TOKYO
from openings.demo import FY_END, FY_START
from referrals.models import Partner

from .models import (
    HANDOUT_KIT,
    LEAFLET,
    PADS,
    PAPER_BAG,
    SITE_TYPES,
    Handout,
    Item,
    Kit,
    Place,
    SiteRequest,
    SiteType,
    StockBalance,
    StockCount,
    StockMinimum,
    StockMovement,
)

# Every demo place's name ends so: fictitious, and how `delete` finds them.
FICTITIOUS = "（架空）"
PACKS_OUT = 10_000
COORDINATOR = "coordinator1"
STORAGE_NAMES = ("つながりサポート事務局", "北区倉庫")
SITE_NAMES: dict[str, tuple[str, ...]] = {
    "city_office": (
        "北区役所 生活困窮者自立支援窓口",
        "西成区役所 保健福祉課",
        "大阪市役所 市民相談室",
    ),
    "gender_center": ("男女共同参画センター中央館",),
    "childcare_plaza": ("天王寺区子ども・子育てプラザ", "淀川区子ども・子育てプラザ"),
    "hello_work": ("マザーズハローワーク梅田",),
    "food_pantry": ("なにわフードパントリー会場",),
    "international_center": ("大阪国際交流センター",),
    "school": ("なにわ高等学校 保健室", "大阪みなと短期大学 学生相談室"),
    "kodomo_shokudo": ("あべのこども食堂",),
    "shelter": ("女性シェルターあかり",),
    "other": ("生理用品ひろば",),
}
# The partner kind a site is, where it is one of the demo partners.
PARTNER_KIND = {
    "food_pantry": "food_pantry",
    "kodomo_shokudo": "kodomo_shokudo",
    "shelter": "shelter",
}


def _month_starts() -> list[datetime.datetime]:
    months, day = [], FY_START
    while day < FY_END:
        months.append(day)
        day = (day + datetime.timedelta(days=32)).replace(day=1)
    return months


def _split(total: int, parts: int, rng: random.Random) -> list[int]:
    """`total` in `parts` positive integers, roughly even, summing exactly."""
    weights = [rng.uniform(0.7, 1.3) for _ in range(parts)]
    shares = [max(1, int(total * w / sum(weights))) for w in weights]
    shares[-1] += total - sum(shares)
    return shares


class _Ledger:
    """Movements in time order with the balances they leave."""

    def __init__(self, by: User) -> None:
        self.by = by
        self.balances: dict[tuple[int, int], int] = defaultdict(int)
        self.rows: list[StockMovement] = []

    def move(self, kind, item, quantity, source, target, at, batch, **fields) -> None:
        self.rows.append(
            StockMovement(
                kind=kind,
                item=item,
                quantity=quantity,
                source=source,
                target=target,
                batch=batch,
                occurred_at=at,
                by=fields.pop("by", self.by),
                **fields,
            )
        )

    def finish(self) -> list[StockMovement]:
        self.rows.sort(key=lambda m: m.occurred_at)
        for m in self.rows:
            if m.source is not None:
                self.balances[(m.item.pk, m.source.pk)] -= m.quantity
                m.source_after = self.balances[(m.item.pk, m.source.pk)]
                assert m.source_after >= 0, m
            if m.target is not None:
                self.balances[(m.item.pk, m.target.pk)] += m.quantity
                m.target_after = self.balances[(m.item.pk, m.target.pk)]
        return self.rows


def seed(ctx: DemoContext) -> Mapping[str, int]:
    seeded: SeededCases = ctx.shared["cases"]
    users: Mapping[str, int] = ctx.shared["users"]
    rng = random.Random(f"{ctx.seed}:supplies")
    coordinator = User.objects.get(pk=users[COORDINATOR])
    items = {i.code: i for i in Item.objects.filter(code__in=[PADS, PAPER_BAG, LEAFLET])}
    kit = Kit.objects.prefetch_related("components__item").get(code=HANDOUT_KIT)
    partners = {
        p.kind: p for p in Partner.objects.filter(kind__in=PARTNER_KIND.values()).order_by("pk")
    }
    with pgtrigger.ignore(*trigger_uris(*tables())):
        storages = Place.objects.bulk_create(
            Place(name=f"{name}{FICTITIOUS}", site_type=SiteType.STORAGE, ward="271276")
            for name in STORAGE_NAMES
        )
        sites = Place.objects.bulk_create(
            Place(
                name=f"{name}{FICTITIOUS}",
                site_type=site_type,
                ward=rng.choice(["271276", "271225", "271098", "271233", "271195"]),
                contact=f"06-0000-{rng.randint(1000, 9999)}",
                partner=partners.get(PARTNER_KIND.get(site_type, "")),
            )
            for site_type in SITE_TYPES
            for name in SITE_NAMES[site_type]
        )
        office, north = storages
        ledger = _Ledger(coordinator)
        bundle = [items[PADS], items[PAPER_BAG], items[LEAFLET]]

        def kit_move(kind, quantity, source, target, at, **fields):
            batch = uuid.uuid4()
            for item in bundle:
                ledger.move(kind, item, quantity, source, target, at, batch, **fields)

        # Bought in April and September, a donation in December: 11,100 of each (times the
        # scale: a larger demo hands out more kits and must not run its storage dry).
        scale = max(1, ctx.scale)
        for day, quantity, origin, supplier in (
            (
                datetime.datetime(2022, 4, 1, 9, tzinfo=TOKYO),
                6500,
                "purchase",
                "なにわ衛生用品（架空）",
            ),
            (
                datetime.datetime(2022, 9, 1, 10, tzinfo=TOKYO),
                4000,
                "purchase",
                "なにわ衛生用品（架空）",
            ),
            (
                datetime.datetime(2022, 12, 12, 10, tzinfo=TOKYO),
                600,
                "donation",
                "ひろば基金（架空）",
            ),
        ):
            kit_move(
                "receipt",
                quantity * scale,
                None,
                office,
                day,
                origin=origin,
                supplier=supplier,
                unit_cost_yen=350 if origin == "purchase" else None,
                document_no=f"D-{day:%Y%m}",
            )
        kit_move(
            "transfer",
            1500 * scale,
            office,
            north,
            datetime.datetime(2022, 4, 1, 9, 30, tzinfo=TOKYO),
        )

        # Kits handed out in the demo consultations that handed products out, in the year.
        consultations = list(
            Consultation.objects.filter(
                pk__in=seeded.consultation_ids,
                outcomes__contains=["products"],
                started_at__gte=FY_START,
                started_at__lt=FY_END,
            )
            .order_by("started_at", "pk")
            .values_list("pk", "client_id", "started_at", "recorded_by_id")
        )
        handouts = Handout.objects.bulk_create(
            Handout(
                client_id=client_id,
                consultation_id=pk,
                kit=kit,
                quantity=1,
                batch=uuid.uuid4(),
                handed_at=started_at,
                by_id=recorded_by,
            )
            for pk, client_id, started_at, recorded_by in consultations
        )
        for handout in handouts:
            for item in bundle:
                ledger.move(
                    "handout",
                    item,
                    1,
                    office,
                    None,
                    handout.handed_at,
                    handout.batch,
                    handout=handout,
                    by=User(pk=handout.by_id),
                )
        # The rest as distributions: every month, to sites of every type in turn.
        months = _month_starts()
        out = PACKS_OUT * scale - len(handouts)
        per_month = _split(out, len(months), rng)
        site_cycle = 0
        for month, packs in zip(months, per_month, strict=True):
            parts = _split(packs, 4, rng)
            for part in parts:
                site = sites[site_cycle % len(sites)]
                site_cycle += 1
                day = month + datetime.timedelta(days=rng.randint(7, 25), hours=rng.randint(10, 16))
                # The north storage serves April.
                source = north if month.month == 4 else office
                kit_move("distribution", part, source, site, day)
        rows = ledger.finish()
        StockMovement.objects.bulk_create(rows, batch_size=2000)
        StockBalance.objects.bulk_create(
            StockBalance(item_id=i, place_id=p, quantity=q) for (i, p), q in ledger.balances.items()
        )
        StockMinimum.objects.bulk_create(
            StockMinimum(item=items[PADS], place=place, quantity=q)
            for place, q in ((office, 300), (north, 100))
        )
        for site in sites[:3]:
            SiteRequest.objects.create(
                site=site,
                item=items[PADS],
                requested=rng.choice((100, 150, 200)),
                requested_at=ctx.now - datetime.timedelta(days=rng.randint(1, 5)),
                recorded_by=coordinator,
                note="次回イベント用",
            )
    return {
        "supply places": len(storages) + len(sites),
        "stock movements": len(rows),
        "handouts": len(handouts),
    }


def _demo_places():
    return Place.objects.filter(name__endswith=FICTITIOUS)


def present(ctx: DemoContext) -> Mapping[str, int]:
    return {"supply places": _demo_places().count()}


def delete(ctx: DemoContext) -> int:
    places = _demo_places()
    handouts = Handout.objects.filter(client__in=demo_clients())
    movements = StockMovement.objects.filter(
        Q(source__in=places) | Q(target__in=places) | Q(handout__in=handouts)
    )
    requests = SiteRequest.objects.filter(site__in=places)
    minimums = StockMinimum.objects.filter(place__in=places)
    with pgtrigger.ignore(*trigger_uris(*tables())):
        # Reversals point at what they reverse: those first.
        return delete_rows(
            movements.filter(reverses__isnull=False),
            movements,
            StockCount.objects.filter(place__in=places),
            handouts,
            StockBalance.objects.filter(place__in=places),
            history_of(StockMinimum, minimums),
            minimums,
            history_of(SiteRequest, requests),
            requests,
            history_of(Place, places),
            places,
        )


def tables() -> tuple[type[Model], ...]:
    return (Place, StockMovement, StockCount, Handout, StockBalance, StockMinimum, SiteRequest)
