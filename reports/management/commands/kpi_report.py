"""`python manage.py kpi_report --from 2022-04-01 --to 2023-03-31 [--format json|csv|xlsx]
[--output FILE] [--outside]`: the yearly report's figures (both days included, Tokyo time)."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError

from reports import downloads, selectors


class Command(BaseCommand):
    help = "The yearly report's figures for a period, as JSON (default), CSV or XLSX."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--from", dest="start", required=True, metavar="YYYY-MM-DD")
        parser.add_argument("--to", dest="end", required=True, metavar="YYYY-MM-DD")
        parser.add_argument("--format", choices=downloads.FORMATS, default="json")
        parser.add_argument("--output", metavar="FILE", help="write here instead of stdout")
        parser.add_argument(
            "--outside",
            action="store_true",
            help="for outside the programme: counts of 1 to 4 women read '<5'",
        )

    def handle(self, *args, start: str, end: str, format: str, output: str | None, **options):
        try:
            period = selectors.parse_period(start, end)
        except selectors.PeriodError as problem:
            raise CommandError(str(problem)) from None
        numbers = selectors.kpi_numbers(period)
        if options["outside"]:
            numbers = selectors.suppressed(numbers)
        if format == "json":
            body: bytes = downloads.report_json(numbers).encode("utf-8")
        elif format == "csv":
            body = downloads.report_csv(numbers)
        else:
            if not output:
                raise CommandError("An XLSX report needs --output FILE.")
            previous = selectors.kpi_numbers(period.year_before())
            if options["outside"]:
                previous = selectors.suppressed(previous)
            body = downloads.report_xlsx(period, numbers, previous)
        if output:
            with open(output, "wb") as handle:
                handle.write(body)
        elif format == "json":
            self.stdout.write(body.decode("utf-8"), ending="")
        else:
            sys.stdout.flush()
            sys.stdout.buffer.write(body)
