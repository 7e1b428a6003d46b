"""Reads for the case pages: caseload, one case with its plan, pending closing requests.

Everything starts from `access.cases_visible_to`, so these never widen what a user may see.
"""

from __future__ import annotations

from django.db.models import (
    DateTimeField,
    Exists,
    F,
    Max,
    Min,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from accounts.models import User
from core import authz, registry

from ..models import (
    Case,
    CaseClosureRequest,
    CaseEvent,
    CaseNote,
    Consultation,
    SupportAction,
    SupportGoal,
)
from .access import cases_visible_to


def _latest(qs: QuerySet, field: str) -> Subquery:
    """The newest value of `field` among rows of `qs` that belong to the outer case."""
    return Subquery(
        qs.filter(case_id=OuterRef("pk"))
        .order_by()
        .values("case_id")
        .annotate(latest=Max(field))
        .values("latest")[:1],
        output_field=DateTimeField(),
    )


def caseload_for(
    user: User,
    *,
    status: str = "",
    priority: int | None = None,
    mine: bool = False,
    counselor: int | None = None,
) -> QuerySet[Case]:
    """Cases the user may see, annotated for the caseload list.

    status "" means open cases (open, active, on hold); "all" means every status; `counselor`
    keeps the cases that user is on (within what this user may see). Each row carries
    next_action_due (date), the registered columns (next_followup_due, ...), closure_pending
    (a closing request awaits a supervisor) and last_activity (datetime).
    """
    qs = cases_visible_to(user)
    if status == "all":
        pass
    elif status:
        qs = qs.filter(status=status)
    else:
        qs = qs.filter(status__in=Case.OPEN_STATUSES)
    if priority:
        qs = qs.filter(priority=priority)
    if mine:
        qs = qs.filter(counselors=user)
    if counselor is not None:
        qs = qs.filter(counselors=counselor)
    now = timezone.now()
    next_action = (
        SupportAction.objects.filter(case_id=OuterRef("pk"), done_at__isnull=True)
        .exclude(due_on__isnull=True)
        .order_by()
        .values("case_id")
        .annotate(due=Min("due_on"))
        .values("due")[:1]
    )
    return (
        qs.annotate(
            next_action_due=Subquery(next_action),
            closure_pending=Exists(
                CaseClosureRequest.objects.filter(
                    case_id=OuterRef("pk"), state=CaseClosureRequest.State.PENDING
                )
            ),
            # Columns other apps add (next follow-up, ...): one correlated subquery each.
            **{c.key: c.annotation(now) for c in registry.columns_for("cases.case_list")},
            last_activity=Greatest(
                F("opened_at"),
                Coalesce(_latest(CaseNote.objects.all(), "created_at"), F("opened_at")),
                Coalesce(_latest(CaseEvent.objects.all(), "at"), F("opened_at")),
                Coalesce(_latest(Consultation.objects.all(), "started_at"), F("opened_at")),
            ),
        )
        .prefetch_related(Prefetch("counselors", queryset=User.objects.order_by("pk")))
        .order_by("-priority", "-last_activity", "-pk")
    )


def case_detail_get_for(user: User, pk: int) -> Case:
    """One case with its team and support plan, or 404 if the user may not see it."""
    qs = (
        cases_visible_to(user)
        .select_related("opened_by", "opened_from")
        .prefetch_related(
            Prefetch("counselors", queryset=User.objects.order_by("display_name", "pk")),
            Prefetch(
                "goals",
                queryset=SupportGoal.objects.select_related("created_by", "achieved_by").order_by(
                    "created_at", "pk"
                ),
            ),
            Prefetch(
                "actions",
                queryset=SupportAction.objects.select_related("owner", "goal", "done_by").order_by(
                    F("due_on").asc(nulls_last=True), "pk"
                ),
            ),
        )
    )
    return authz.get_or_deny(qs, pk)


def case_pending_closure(case: Case) -> CaseClosureRequest | None:
    return (
        CaseClosureRequest.objects.filter(case=case, state=CaseClosureRequest.State.PENDING)
        .select_related("requested_by")
        .first()
    )


def closure_requests_pending_for(user: User) -> QuerySet[CaseClosureRequest]:
    """Pending closing requests on cases the user may see (supervisors: all of them)."""
    return (
        CaseClosureRequest.objects.filter(
            state=CaseClosureRequest.State.PENDING, case__in=cases_visible_to(user).values("pk")
        )
        .select_related("case", "case__client", "requested_by")
        .order_by("requested_at", "pk")
    )


def closure_request_get_for(user: User, pk: int) -> CaseClosureRequest:
    """A closing request on a case the user may see, or 404."""
    return authz.get_or_deny(
        CaseClosureRequest.objects.select_related("case", "requested_by").filter(
            case__in=cases_visible_to(user).values("pk")
        ),
        pk,
    )
