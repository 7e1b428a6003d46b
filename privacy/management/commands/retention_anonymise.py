"""`manage.py retention_anonymise [--dry-run]`: the retention job, by hand."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from privacy import services
from privacy.selectors import retention_due


class Command(BaseCommand):
    help = "Anonymise clients with no activity for RETENTION_YEARS years."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Count the clients due; change nothing."
        )

    def handle(self, *args, dry_run: bool = False, **options) -> None:
        years = settings.RETENTION_YEARS
        if dry_run:
            # Counts and record numbers only: never a name.
            due = retention_due(now=timezone.now())
            self.stdout.write(f"{due.count()} client records due (no activity for {years} years)")
            return
        done = services.retention_anonymise(limit=10_000)
        self.stdout.write(f"{len(done)} client records anonymised (no activity for {years} years)")
