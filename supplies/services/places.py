"""Places (storage and distribution sites) and their minimum stock: kept by coordinators and
supervisors; each change leaves a pghistory event with who made it."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from core import authz
from core.choices import Ward
from referrals.models import Partner

from ..models import Item, Place, SiteType, StockBalance, StockMinimum

PLACE_FIELDS = ("name", "site_type", "ward", "contact", "partner", "is_active")


def _require(by: User) -> None:
    if not authz.can(by, "supplies.manage_stock"):
        raise PermissionDenied(_("You cannot change the places of the stock."))


def _clean(values: dict) -> dict:
    errors = {}
    name = (values.get("name") or "").strip()
    if not name:
        errors["name"] = _("Enter the place's name.")
    elif len(name) > 200:
        errors["name"] = _("Keep the name to 200 characters.")
    if values.get("site_type") not in SiteType.values:
        errors["site_type"] = _("Choose a site type.")
    if values.get("ward", Ward.UNKNOWN) not in Ward.values:
        errors["ward"] = _("Choose a ward.")
    contact = (values.get("contact") or "").strip()
    if len(contact) > 200:
        errors["contact"] = _("Keep the contact to 200 characters.")
    partner = values.get("partner")
    if partner is not None and not isinstance(partner, Partner):
        errors["partner"] = _("Choose a partner organisation.")
    if errors:
        raise ValidationError(errors)
    return {
        "name": name,
        "site_type": values["site_type"],
        "ward": values.get("ward", Ward.UNKNOWN),
        "contact": contact,
        "partner": partner,
        "is_active": bool(values.get("is_active", True)),
    }


@transaction.atomic
def place_create(*, by: User, **values) -> Place:
    _require(by)
    return Place.objects.create(**_clean(values))


@transaction.atomic
def place_update(*, place: Place, by: User, **values) -> Place:
    _require(by)
    # Locked: two coordinators editing at once leave the last one's values, whole.
    place = Place.objects.select_for_update().get(pk=place.pk)
    clean = _clean({**{f: getattr(place, f) for f in PLACE_FIELDS}, **values})
    if place.is_storage != (clean["site_type"] == SiteType.STORAGE) and (
        StockBalance.objects.filter(place=place, quantity__gt=0).exists()
    ):
        raise ValidationError(
            {"site_type": _("Move its stock away before changing storage to a site or back.")}
        )
    for name, value in clean.items():
        setattr(place, name, value)
    place.save()
    return place


@transaction.atomic
def stock_minimum_set(*, item: Item, place: Place, quantity: int | None, by: User) -> None:
    """The low-stock threshold of an item at a place (None or 0 removes it)."""
    _require(by)
    if quantity is not None and (not isinstance(quantity, int) or quantity < 0):
        raise ValidationError({"quantity": _("Enter 0 or more.")})
    if not quantity:
        StockMinimum.objects.filter(item=item, place=place).delete()
        return
    StockMinimum.objects.update_or_create(item=item, place=place, defaults={"quantity": quantity})
