"""Supplies (生理用品の配布): items, kits, places, and the stock ledger.

Stock is an append-only ledger of movements (StockMovement); the quantity per item × place is
kept in a balance row (StockBalance) updated in the same transaction as each movement, so a
write never replays history and `stock_verify` can prove the two agree. A mistake is corrected
by a reversing movement, never by editing or deleting one.

Every state change goes through `supplies.services`; reads go through `supplies.selectors`.
"""

from __future__ import annotations

import uuid

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.append_only import append_only, append_only_history
from core.bounds import NOTE_MAX, REASON_MAX, in_choices, max_length
from core.choices import Ward

# Codes of the default items (domain.md).
PADS = "pads_28"
PAPER_BAG = "paper_bag"
LEAFLET = "leaflet"
# The kit a counselor hands to a woman: one of each.
HANDOUT_KIT = "handout"


# What the default items are called in the interface (their `name` is the Japanese label).
ITEM_LABELS = {
    PADS: _("Sanitary pads (pack of 28)"),  # 生理用品（28個入）
    PAPER_BAG: _("Paper bag"),  # 紙袋
    LEAFLET: _("Consultation leaflet"),  # 相談窓口案内リーフレット
}
KIT_LABELS = {HANDOUT_KIT: _("Handout kit")}  # 配布セット


def _history(name: str) -> dict:
    return {**append_only_history(), "verbose_name": name, "verbose_name_plural": name}


class SiteType(models.TextChoices):
    """配布先の種類 (domain.md), and `storage` for a place that only holds stock."""

    CITY_OFFICE = "city_office", _("City hall / ward office")  # 市役所・区役所
    GENDER_CENTER = "gender_center", _("Gender-equality centre")  # 男女共同参画センター
    CHILDCARE_PLAZA = "childcare_plaza", _("Child-rearing plaza")  # 子ども・子育てプラザ
    HELLO_WORK = "hello_work", _("Mothers' Hello Work")  # マザーズハローワーク
    FOOD_PANTRY = "food_pantry", _("Food pantry")  # フードパントリー
    INTERNATIONAL_CENTER = "international_center", _("International centre")  # 国際交流センター
    SCHOOL = "school", _("High school / university")  # 高等学校・大学
    KODOMO_SHOKUDO = "kodomo_shokudo", _("Children's cafeteria")  # こども食堂
    SHELTER = "shelter", _("Private shelter")  # 民間シェルター
    OTHER = "other", pgettext_lazy("site type", "Other")  # その他
    STORAGE = "storage", _("Storage / office")  # 倉庫・事務局


SITE_TYPES = [code for code in SiteType.values if code != SiteType.STORAGE]


@pghistory.track(meta=_history(_("item history")))
class Item(models.Model):
    """A supply item (品目): counted in units (a pack of 28 pads is one unit)."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    unit = models.CharField(_("unit"), max_length=20)
    pack_size = models.PositiveIntegerField(_("pieces per unit"), default=1)
    is_active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("item")
        verbose_name_plural = _("items")
        ordering = ["order", "code"]
        constraints = [
            models.CheckConstraint(condition=Q(pack_size__gte=1), name="supplies_item_pack_size"),
        ]

    def __str__(self) -> str:
        return str(ITEM_LABELS.get(self.code, self.name))


class Kit(models.Model):
    """A handout bundle moved as one (1 pack + 1 bag + 1 leaflet)."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("kit")
        verbose_name_plural = _("kits")
        ordering = ["code"]

    def __str__(self) -> str:
        return str(KIT_LABELS.get(self.code, self.name))


class KitComponent(models.Model):
    kit = models.ForeignKey(Kit, on_delete=models.CASCADE, related_name="components")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"), default=1)

    class Meta:
        verbose_name = _("kit component")
        verbose_name_plural = _("kit components")
        constraints = [
            models.UniqueConstraint(fields=["kit", "item"], name="supplies_kitcomponent_once"),
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="supplies_kitcomponent_quantity_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kit} {self.item}×{self.quantity}"


@pghistory.track(meta=_history(_("place history")))
class Place(models.Model):
    """A storage location or a distribution site (配布先)."""

    name = models.CharField(_("name"), max_length=200)
    site_type = models.CharField(_("site type"), max_length=30, choices=SiteType.choices)
    ward = models.CharField(_("ward"), max_length=10, choices=Ward.choices, default=Ward.UNKNOWN)
    contact = models.CharField(_("contact"), max_length=200, blank=True)
    partner = models.ForeignKey(
        "referrals.Partner",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="supply_places",
        verbose_name=_("partner organisation"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("place")
        verbose_name_plural = _("places")
        ordering = ["site_type", "name", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=in_choices("site_type", SiteType.values),
                name="supplies_place_site_type_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_storage(self) -> bool:
        return self.site_type == SiteType.STORAGE


MOVEMENT_KINDS = [
    "receipt",
    "transfer",
    "distribution",
    "handout",
    "adjustment",
    "count",
    "reversal",
]


class StockMovement(models.Model):
    """One line of the ledger. Never changed, never removed (the database refuses).

    `source` loses `quantity`, `target` gains it; a receipt has no source, a handout no target.
    `batch` is the submission's idempotency key: a form submitted twice moves each item once.
    `source_after`/`target_after` are the balances this movement left, so the history shows a
    running balance without summing the ledger.
    """

    class Kind(models.TextChoices):
        RECEIPT = "receipt", _("Receipt")  # 入庫（購入・寄付）
        TRANSFER = "transfer", _("Transfer")  # 移動
        DISTRIBUTION = "distribution", _("Distribution")  # 配布先への配布
        HANDOUT = "handout", _("Handout")  # 相談での手渡し
        ADJUSTMENT = "adjustment", _("Adjustment")  # 調整
        COUNT = "count", _("Stock count")  # 棚卸
        REVERSAL = "reversal", _("Reversal")  # 取消

    class Origin(models.TextChoices):
        PURCHASE = "purchase", _("Purchase")  # 購入
        DONATION = "donation", _("Donation")  # 寄付

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="movements")
    quantity = models.PositiveIntegerField(_("quantity"))
    source = models.ForeignKey(
        Place,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="movements_out",
        verbose_name=pgettext_lazy("stock movement", "from"),
    )
    target = models.ForeignKey(
        Place,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="movements_in",
        verbose_name=pgettext_lazy("stock movement", "to"),
    )
    source_after = models.IntegerField(_("balance at source after"), null=True, blank=True)
    target_after = models.IntegerField(_("balance at target after"), null=True, blank=True)
    handout = models.ForeignKey(
        "Handout",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="movements",
        verbose_name=_("handout"),
    )
    reverses = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_by",
        verbose_name=_("reverses"),
    )
    count = models.ForeignKey(
        "StockCount",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="movements",
        verbose_name=_("stock count"),
    )
    origin = models.CharField(_("origin"), max_length=10, choices=Origin.choices, blank=True)
    supplier = models.CharField(_("supplier"), max_length=200, blank=True)
    unit_cost_yen = models.PositiveIntegerField(_("unit cost (yen)"), null=True, blank=True)
    document_no = models.CharField(_("document no."), max_length=50, blank=True)
    reason = models.CharField(_("reason"), max_length=REASON_MAX, blank=True)
    note = models.TextField(_("note"), max_length=NOTE_MAX, blank=True)
    batch = models.UUIDField(_("submission"), default=uuid.uuid4, editable=False)
    occurred_at = models.DateTimeField(_("occurred at"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        ordering = ["-occurred_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="supplies_stockmovement_quantity_positive"
            ),
            models.CheckConstraint(
                condition=in_choices("kind", MOVEMENT_KINDS),
                name="supplies_stockmovement_kind_valid",
            ),
            # A submission moves each item once: the idempotency key of a form.
            models.UniqueConstraint(
                fields=["batch", "item"], name="supplies_stockmovement_batch_item_once"
            ),
            models.CheckConstraint(
                condition=Q(source__isnull=False) | Q(target__isnull=False),
                name="supplies_stockmovement_has_place",
            ),
            models.CheckConstraint(
                condition=Q(source__isnull=True) | Q(target__isnull=True) | ~Q(source=F("target")),
                name="supplies_stockmovement_moves_somewhere",
            ),
            models.CheckConstraint(
                condition=~Q(kind="receipt") | Q(source__isnull=True, target__isnull=False),
                name="supplies_stockmovement_receipt_into_a_place",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=["transfer", "distribution"])
                | Q(source__isnull=False, target__isnull=False),
                name="supplies_stockmovement_transfer_between_places",
            ),
            models.CheckConstraint(
                condition=~Q(kind="handout")
                | Q(source__isnull=False, target__isnull=True, handout__isnull=False),
                name="supplies_stockmovement_handout_to_a_client",
            ),
            models.CheckConstraint(
                condition=~Q(kind="adjustment") | ~Q(reason=""),
                name="supplies_stockmovement_adjustment_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(kind="count") | Q(count__isnull=False),
                name="supplies_stockmovement_count_has_count",
            ),
            models.CheckConstraint(
                condition=Q(kind="reversal", reverses__isnull=False)
                | (~Q(kind="reversal") & Q(reverses__isnull=True)),
                name="supplies_stockmovement_reversal_names_its_movement",
            ),
            models.CheckConstraint(
                condition=Q(source_after__isnull=True) | Q(source_after__gte=0),
                name="supplies_stockmovement_source_after_not_negative",
            ),
            models.CheckConstraint(
                condition=max_length("note", NOTE_MAX), name="supplies_stockmovement_note_length"
            ),
        ]
        indexes = [
            # The history of a place, newest first (source side and target side).
            models.Index(fields=["source", "item", "-occurred_at"], name="supplies_mv_source_idx"),
            models.Index(fields=["target", "item", "-occurred_at"], name="supplies_mv_target_idx"),
            # The report: distributions and handouts of a period.
            models.Index(fields=["kind", "occurred_at"], name="supplies_mv_kind_idx"),
        ]
        triggers = append_only("supplies_stockmovement_append_only")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.item} ×{self.quantity}"


class Handout(models.Model):
    """手渡し: products a counselor gave a woman in a consultation. The ledger's movements
    point here, so her link (moved by a merge of her records) lives outside the append-only
    ledger; the quantities live in the movements."""

    client = models.ForeignKey(
        "cases.Client",
        on_delete=models.PROTECT,
        related_name="supply_handouts",
        verbose_name=_("client"),
    )
    consultation = models.ForeignKey(
        "cases.Consultation",
        on_delete=models.PROTECT,
        related_name="supply_handouts",
        verbose_name=_("consultation"),
    )
    kit = models.ForeignKey(Kit, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"))
    batch = models.UUIDField(_("submission"), unique=True, editable=False)
    handed_at = models.DateTimeField(_("handed out at"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("handout")
        verbose_name_plural = _("handouts")
        ordering = ["-handed_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1), name="supplies_handout_quantity_positive"
            ),
        ]
        indexes = [models.Index(fields=["client", "handed_at"], name="supplies_handout_client_idx")]

    def __str__(self) -> str:
        return f"{self.handed_at:%Y-%m-%d} ×{self.quantity}"


class StockCount(models.Model):
    """棚卸: what was counted at a place, and what the balance said at that moment. A
    difference is booked as a `count` movement pointing here."""

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    place = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="counts")
    counted = models.PositiveIntegerField(_("counted quantity"))
    expected = models.PositiveIntegerField(_("balance before the count"))
    note = models.TextField(_("note"), max_length=NOTE_MAX, blank=True)
    batch = models.UUIDField(_("submission"), default=uuid.uuid4, editable=False)
    counted_at = models.DateTimeField(_("counted at"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("stock count")
        verbose_name_plural = _("stock counts")
        ordering = ["-counted_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["batch", "item"], name="supplies_stockcount_batch_item_once"
            ),
        ]
        triggers = append_only("supplies_stockcount_append_only")

    def __str__(self) -> str:
        return f"{self.item} @ {self.place}: {self.counted}"


class StockBalance(models.Model):
    """The current quantity of an item at a place: changed only by the movement services, in
    the movement's transaction, under a row lock. `low_alerted` is set when the quantity fell
    below the place's minimum and coordinators were told; it clears when stock recovers."""

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="balances")
    place = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="balances")
    quantity = models.IntegerField(_("quantity"), default=0)
    low_alerted = models.BooleanField(_("low-stock alert sent"), default=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("stock balance")
        verbose_name_plural = _("stock balances")
        constraints = [
            models.UniqueConstraint(fields=["item", "place"], name="supplies_stockbalance_once"),
            models.CheckConstraint(
                condition=Q(quantity__gte=0), name="supplies_stockbalance_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item} @ {self.place}: {self.quantity}"


@pghistory.track(meta=_history(_("stock minimum history")))
class StockMinimum(models.Model):
    """Below this quantity of an item at a place, coordinators are alerted (once per fall)."""

    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    place = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="minimums")
    quantity = models.PositiveIntegerField(_("minimum"))

    class Meta:
        verbose_name = _("stock minimum")
        verbose_name_plural = _("stock minimums")
        constraints = [
            models.UniqueConstraint(fields=["item", "place"], name="supplies_stockminimum_once"),
        ]

    def __str__(self) -> str:
        return f"{self.item} @ {self.place} ≥ {self.quantity}"


@pghistory.track(meta=_history(_("site request history")))
class SiteRequest(models.Model):
    """A site asks for packs; a coordinator approves (possibly fewer) and fulfils it, which
    books the distribution."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")  # 受付
        APPROVED = "approved", _("Approved")  # 承認
        FULFILLED = "fulfilled", _("Fulfilled")  # 配布済
        DECLINED = "declined", pgettext_lazy("site request", "Declined")  # 見送り

    site = models.ForeignKey(Place, on_delete=models.PROTECT, related_name="requests")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="+")
    requested = models.PositiveIntegerField(_("requested quantity"))
    approved = models.PositiveIntegerField(_("approved quantity"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    note = models.TextField(_("note"), max_length=NOTE_MAX, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=REASON_MAX, blank=True)
    requested_at = models.DateTimeField(_("requested at"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    distribution_batch = models.UUIDField(_("distribution"), null=True, blank=True)

    class Meta:
        verbose_name = _("site request")
        verbose_name_plural = _("site requests")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(requested__gte=1), name="supplies_siterequest_requested_positive"
            ),
            models.CheckConstraint(
                condition=Q(approved__isnull=True)
                | (Q(approved__gte=1) & Q(approved__lte=F("requested"))),
                name="supplies_siterequest_approved_within_request",
            ),
            models.CheckConstraint(
                condition=in_choices("status", ["pending", "approved", "fulfilled", "declined"]),
                name="supplies_siterequest_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["approved", "fulfilled"]) | Q(approved__isnull=False),
                name="supplies_siterequest_approved_has_quantity",
            ),
            models.CheckConstraint(
                condition=~Q(status="fulfilled") | Q(distribution_batch__isnull=False),
                name="supplies_siterequest_fulfilled_has_distribution",
            ),
        ]
        indexes = [
            # The coordinators' list of pending requests.
            models.Index(
                fields=["requested_at"],
                name="supplies_request_pending_idx",
                condition=Q(status__in=["pending", "approved"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.site} {self.item}×{self.requested}"
