"""The demo's year of supplies: exactly 10,000 packs out over FY2022, stock left at the end,
balances equal to the ledger, and a reset that removes it all."""

from __future__ import annotations

import datetime

import pytest
from django.core.management import call_command

from supplies.models import Handout, Place, SiteType, StockMovement
from supplies.selectors import report_numbers
from supplies.services.verify import stock_verify

pytestmark = pytest.mark.django_db


def test_the_demo_year_hands_out_exactly_ten_thousand_packs():
    call_command("seed_demo", "--scale", "1", "--seed", "7")

    n = report_numbers(datetime.date(2022, 4, 1), datetime.date(2023, 3, 31))
    assert n["supplies.distributed.pads_28"] == 10_000
    assert n["supplies.handed_out.pads_28"] == Handout.objects.count() > 0
    assert all(
        n[f"supplies.by_site_type.{t}.pads_28"] > 0 for t in SiteType.values if t != "storage"
    )
    assert n["supplies.stock_at_end.pads_28"] > 0
    assert stock_verify() == []

    call_command("seed_demo", "--reset", "--scale", "1", "--seed", "7")
    assert Place.objects.filter(name__endswith="（架空）").count() == 16  # replaced, not doubled
    assert stock_verify() == []
    assert StockMovement.objects.filter(kind="handout").count() == 3 * Handout.objects.count()
