"""The numbers on each role's home page. Counts only: no personal data, so no access log."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q

from accounts.models import User
from core.time import fiscal_year_start, local_date, start_of_day

from ..models import Case, CaseClosureRequest, Client, Consultation, SupportAction
from .access import cases_visible_to


@dataclass(frozen=True)
class CounselorDashboard:
    open_cases: int
    intake_queue: int
    # Her open cases with a plan action of hers past its due date (ids, oldest due first).
    past_due_cases: tuple[int, ...] = ()


@dataclass(frozen=True)
class ProgrammeCounts:
    fiscal_year: int
    clients: int
    consultations_this_year: int
    consultations_this_month: int
    line_consultations_this_year: int


def counselor_dashboard(*, user: User, now: datetime.datetime) -> CounselorDashboard:
    """Three queries: her open cases, the intake queue, her past-due plan actions' cases."""
    open_cases = Case.objects.filter(counselors=user).filter(status__in=Case.OPEN_STATUSES).count()
    anyone_assigned = Client.counselors.through.objects.filter(client_id=OuterRef("pk"))
    intake_queue = (
        Client.objects.filter(status=Client.Status.ACTIVE).filter(~Exists(anyone_assigned)).count()
    )
    past_due = (
        SupportAction.objects.filter(
            owner=user,
            done_at__isnull=True,
            due_on__lt=local_date(now),
            case__status__in=Case.OPEN_STATUSES,
        )
        .order_by("due_on", "case_id")
        .values_list("case_id", flat=True)
    )
    return CounselorDashboard(
        open_cases=open_cases,
        intake_queue=intake_queue,
        past_due_cases=tuple(dict.fromkeys(past_due[:PAST_DUE_SHOWN])),
    )


PAST_DUE_SHOWN = 50  # actions read; the home page lists the distinct cases among them


def pending_closings_for(*, user: User, limit: int = 5) -> list[CaseClosureRequest]:
    """The oldest closing requests awaiting this supervisor's decision (case number, who asked,
    when, why: no client details), at most `limit`. One query."""
    return list(
        CaseClosureRequest.objects.filter(state=CaseClosureRequest.State.PENDING)
        .filter(case__in=cases_visible_to(user).values("pk"))
        .select_related("requested_by")
        .order_by("requested_at", "pk")[:limit]
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
