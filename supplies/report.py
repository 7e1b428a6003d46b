"""The supplies app's part of the yearly report (`selectors.report_numbers`, flat keys)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core import registry
from core.figures import UNIT_PACKS, dig, unflatten

from . import selectors
from .models import SITE_TYPES, Item, SiteType

MAIN_ITEM = "pads_28"  # the report counts packs of pads; bags and leaflets go with them


def report_numbers(start: datetime.date, end: datetime.date) -> dict[str, Any]:
    return unflatten(selectors.report_numbers(start, end))


def report_rows(numbers: Mapping[str, Any]) -> Iterable[registry.ReportRow]:
    items = list(Item.objects.order_by("order", "code").values_list("code", "name"))
    for code, name in items:
        yield registry.ReportRow(
            f"supplies.distributed.{code}",
            gettext("%(item)s distributed") % {"item": name},
            _("Out of storage to distribution sites, plus handed to women from storage; an item "
              "counted once however many transfers it made."),
            unit=UNIT_PACKS if code == MAIN_ITEM else "",
        )  # fmt: skip
    for code, name in items:
        yield registry.ReportRow(
            f"supplies.handed_out.{code}",
            gettext("%(item)s handed out in consultations") % {"item": name},
            _("Handed to women during consultations."),
            unit=UNIT_PACKS if code == MAIN_ITEM else "",
        )  # fmt: skip
    labels = dict(SiteType.choices)
    for site_type in SITE_TYPES:
        if dig(numbers, f"supplies.by_site_type.{site_type}.{MAIN_ITEM}") is None:
            continue
        yield registry.ReportRow(
            f"supplies.by_site_type.{site_type}.{MAIN_ITEM}",
            gettext("Packs to: %(site)s") % {"site": labels.get(site_type, site_type)},
            _("Packs distributed in the period to sites of this type."),
            unit=UNIT_PACKS,
        )  # fmt: skip
    for code, name in items:
        yield registry.ReportRow(
            f"supplies.stock_at_end.{code}",
            gettext("%(item)s in stock at the end") % {"item": name},
            _("What the storage places hold at the end of the last day."),
            unit=UNIT_PACKS if code == MAIN_ITEM else "",
        )  # fmt: skip
