"""Rows for the supervisor-page tests: counselors with open cases, overdue follow-ups, risks."""

from __future__ import annotations

import datetime

from django.utils import timezone

from accounts.tests.factories import UserFactory
from cases.models import Case, RiskFlag
from cases.tests.factories import CaseFactory, ClientFactory, ConsultationFactory
from core.roles import Role
from followups.models import FollowUp


def counselor_with_load(username: str, *, high_risk: bool = True):
    """A counselor with one open high-risk case, one closed case and one overdue follow-up."""
    counselor = UserFactory(username=username, roles=[Role.COUNSELOR])
    now = timezone.now()
    client = ClientFactory(counselors=[counselor], created_by=counselor)
    ConsultationFactory(client=client, recorded_by=counselor)
    case = CaseFactory(client=client, opened_by=counselor, counselors=[counselor])
    if high_risk:
        RiskFlag.objects.create(client=client, kind=RiskFlag.Kind.SUICIDAL, set_by=counselor)
    RiskFlag.objects.create(client=client, kind=RiskFlag.Kind.MINOR, set_by=counselor)
    closed = CaseFactory(
        opened_by=counselor,
        counselors=[counselor],
        status=Case.Status.CLOSED,
        closed_at=now,
        close_reason=Case.CloseReason.RESOLVED,
    )
    FollowUp.objects.create(
        client=client,
        case=case,
        what="近況を確認する",
        due_at=now - datetime.timedelta(hours=3),
        assignee=counselor,
        created_by=counselor,
    )
    FollowUp.objects.create(
        client=closed.client,
        case=closed,
        what="次回の予定を確認する",
        due_at=now + datetime.timedelta(days=2),
        assignee=counselor,
        created_by=counselor,
    )
    return counselor
