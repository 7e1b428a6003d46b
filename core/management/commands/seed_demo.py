"""`manage.py seed_demo [--seed N] [--scale N] [--reset]`: a fictitious FY2022 to click through.

A thin driver over the registered demo seeders (`core.registry.demo_seeders`): each app writes
and deletes its own demo rows; this command only orders them, runs them in one transaction and
reports. With the project's apps that is one login per role (the password is printed once,
when the user is created) and a year of clients, consultations, cases and follow-ups at the
FY2022 report's volumes times --scale. Running it again does nothing while the demo data is
there; --reset replaces it. It refuses to run on a database that holds records it did not
create.
"""

from __future__ import annotations

import textwrap
import time
from collections.abc import Mapping

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from core.demo import seeded_tables
from core.registry import DemoContext, DemoSeeder, demo_seeders_in_order

MAX_SCALE = 1000


class Command(BaseCommand):
    help = "Load a fictitious FY2022 of the programme (demo logins, clients, consultations)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=2022, help="Random seed (default 2022).")
        parser.add_argument(
            "--scale", type=int, default=1, help="Multiply the FY2022 volumes (default 1)."
        )
        parser.add_argument(
            "--reset", action="store_true", help="Delete the demo data first, then load it again."
        )

    def handle(self, *args, seed: int, scale: int, reset: bool, **options) -> None:
        if not 1 <= scale <= MAX_SCALE:
            raise CommandError(f"--scale must be between 1 and {MAX_SCALE}.")
        began = time.monotonic()
        seeders = demo_seeders_in_order()
        ctx = DemoContext(seed=seed, scale=scale, now=timezone.now())

        foreign = [name for s in seeders for name in s.foreign(ctx)]
        if foreign:
            raise CommandError(
                f"This database holds {' and '.join(foreign)} that are not demo data; seed_demo "
                "only runs on an empty or demo database."
            )
        present = {label: n for s in seeders for label, n in s.present(ctx).items() if n}
        if present and not reset:
            loaded = ", ".join(f"{n:,} {what}" for what, n in present.items())
            self.stdout.write(
                f"Demo data is already loaded ({loaded}). "
                "Nothing to do; use --reset to load it again."
            )
            return

        timings: dict[str, float] = {}
        summary: dict[str, Mapping[str, int]] = {}
        with transaction.atomic():
            if present:
                deleted = _delete(seeders, ctx)
                self.stdout.write(f"Deleted the demo data ({deleted:,} rows).")
            for seeder in seeders:
                started = time.monotonic()
                summary[seeder.key] = seeder.seed(ctx)
                timings[seeder.key] = time.monotonic() - started
        with connection.cursor() as cursor:
            # Fresh statistics for every table written, so the first pages use the indexes at
            # once (without them, a counselor's client search took four times as long).
            for table in seeded_tables():
                cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")
        elapsed = time.monotonic() - began

        self.stdout.write(self.style.SUCCESS(f"Demo FY2022 loaded (seed {seed}, scale {scale})."))
        for key, counts in summary.items():
            self.stdout.write(
                textwrap.fill(
                    f"{key} ({timings[key]:.1f} s): {_counts(counts)}",
                    width=100,
                    initial_indent="  ",
                    subsequent_indent="    ",
                )
            )
        self.stdout.write(f"  time: {elapsed:.1f} s")
        for line in ctx.notices:
            self.stdout.write(line)


def _counts(counts: Mapping[str, int]) -> str:
    return ", ".join(f"{label} {n:,}" for label, n in counts.items())


def _delete(seeders: list[DemoSeeder], ctx: DemoContext) -> int:
    """Every seeder's delete, the last seeded first: a seeder's rows refer to those of the
    seeders it comes after, so they go before them."""
    deleted = sum(seeder.delete(ctx) for seeder in reversed(seeders))
    try:
        with connection.cursor() as cursor:
            # Check now for a clear message, then defer again for the rows to come.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    except IntegrityError as exc:
        raise CommandError(
            f"Other records still refer to the demo data; delete them first ({exc})."
        ) from None
    return deleted
