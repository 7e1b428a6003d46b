"""The numbers on each role's home page. Counts only: no personal data, so no access log."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from accounts.models import User
from followups.models import FollowUp

from ..models import Case, Client, Consultation


@dataclass(frozen=True)
class CounselorDashboard:
    open_cases: int
    overdue_followups: int
    due_today_followups: int
    intake_queue: int


@dataclass(frozen=True)
class ProgrammeCounts:
    fiscal_year: int
    clients: int
    consultations_this_year: int
    consultations_this_month: int
    line_consultations_this_year: int


def fiscal_year_start(day: datetime.date) -> datetime.date:
    """Japanese fiscal years start on 1 April (令和4年度 = 2022-04-01 to 2023-03-31)."""
    return datetime.date(day.year if day.month >= 4 else day.year - 1, 4, 1)


def counselor_dashboard(*, user: User, now: datetime.datetime) -> CounselorDashboard:
    """Three queries: her open cases, her open follow-ups by due time, the intake queue."""
    local_today = timezone.localdate(now)
    end_of_today = timezone.make_aware(
        datetime.datetime.combine(local_today + datetime.timedelta(days=1), datetime.time())
    )
    open_cases = Case.objects.filter(counselors=user).filter(status__in=Case.OPEN_STATUSES).count()
    followups = FollowUp.objects.filter(assignee=user, state__in=FollowUp.OPEN_STATES).aggregate(
        overdue=Count("pk", filter=Q(due_at__lt=now)),
        due_today=Count("pk", filter=Q(due_at__gte=now, due_at__lt=end_of_today)),
    )
    anyone_assigned = Client.counselors.through.objects.filter(client_id=OuterRef("pk"))
    intake_queue = (
        Client.objects.filter(status=Client.Status.ACTIVE).filter(~Exists(anyone_assigned)).count()
    )
    return CounselorDashboard(
        open_cases=open_cases,
        overdue_followups=followups["overdue"],
        due_today_followups=followups["due_today"],
        intake_queue=intake_queue,
    )


def programme_counts(*, now: datetime.datetime) -> ProgrammeCounts:
    """Programme-wide totals for coordinators (who see counts, never case content)."""
    local_today = timezone.localdate(now)
    year_start = fiscal_year_start(local_today)
    start = timezone.make_aware(datetime.datetime.combine(year_start, datetime.time()))
    month_start = timezone.make_aware(
        datetime.datetime.combine(local_today.replace(day=1), datetime.time())
    )
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
