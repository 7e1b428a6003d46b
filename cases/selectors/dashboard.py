"""The numbers on each role's home page. Counts only: no personal data, so no access log."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q

from accounts.models import User
from core.time import fiscal_year_start, local_date, start_of_day

from ..models import Case, Client, Consultation


@dataclass(frozen=True)
class CounselorDashboard:
    open_cases: int
    intake_queue: int


@dataclass(frozen=True)
class ProgrammeCounts:
    fiscal_year: int
    clients: int
    consultations_this_year: int
    consultations_this_month: int
    line_consultations_this_year: int


def counselor_dashboard(*, user: User, now: datetime.datetime) -> CounselorDashboard:
    """Two queries: her open cases, the intake queue."""
    open_cases = Case.objects.filter(counselors=user).filter(status__in=Case.OPEN_STATUSES).count()
    anyone_assigned = Client.counselors.through.objects.filter(client_id=OuterRef("pk"))
    intake_queue = (
        Client.objects.filter(status=Client.Status.ACTIVE).filter(~Exists(anyone_assigned)).count()
    )
    return CounselorDashboard(
        open_cases=open_cases,
        intake_queue=intake_queue,
    )


def programme_counts(*, now: datetime.datetime) -> ProgrammeCounts:
    """Programme-wide totals for coordinators (who see counts, never case content)."""
    local_today = local_date(now)
    year_start = fiscal_year_start(local_today)
    start = start_of_day(year_start)
    month_start = start_of_day(local_today.replace(day=1))
    consultations = Consultation.objects.filter(started_at__gte=start).aggregate(
        year=Count("pk"),
        month=Count("pk", filter=Q(started_at__gte=month_start)),
        line=Count("pk", filter=Q(kind=Consultation.Kind.LINE)),
    )
    return ProgrammeCounts(
        fiscal_year=year_start.year,
        clients=Client.objects.exclude(status=Client.Status.MERGED).count(),
        consultations_this_year=consultations["year"],
        consultations_this_month=consultations["month"],
        line_consultations_this_year=consultations["line"],
    )
