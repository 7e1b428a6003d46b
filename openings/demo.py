"""The demo year's opening calendar: the programme's FY2022 (令和4年度) openings.

Registered as the "openings" demo seeder (`openings/extensions.py`). It calls the same
idempotent service a new fiscal year uses, so the demo holds the report's 105 LINE openings
and 2 + 2 expert days. Later seeders find them in `ctx.shared["openings"]`.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping

from django.core.management.base import CommandError
from django.db.models import Model

from core.registry import DemoContext
from core.time import TOKYO

from .models import Channel, Opening, OpeningException, OpeningRule
from .services import openings_seed_programme_defaults

# The demo's fiscal year, in Japan time.
FY_START = datetime.datetime(2022, 4, 1, tzinfo=TOKYO)
FY_END = datetime.datetime(2023, 4, 1, tzinfo=TOKYO)  # exclusive


def seed(ctx: DemoContext) -> Mapping[str, int]:
    """Make the FY2022 openings; leave `ctx.shared["openings"]` = {channel: [Opening, ...]}
    in time order."""
    openings_seed_programme_defaults(fiscal_year_start=FY_START.date())
    rows = Opening.objects.filter(starts_at__gte=FY_START, starts_at__lt=FY_END).order_by(
        "starts_at", "pk"
    )
    by_channel: dict[str, list[Opening]] = {ch: [] for ch in Channel.values}
    for row in rows:
        by_channel[row.channel].append(row)
    if not by_channel[Channel.LINE]:
        raise CommandError("No FY2022 LINE openings exist; the openings app did not create them.")
    ctx.shared["openings"] = by_channel
    return {channel: len(openings) for channel, openings in by_channel.items()}


def delete(ctx: DemoContext) -> int:
    """Nothing: the calendar is the programme's own (the same service makes it for real use),
    seeding it again changes nothing, and its history records every change of hours."""
    return 0


def tables() -> tuple[type[Model], ...]:
    return (OpeningRule, OpeningException, Opening)
