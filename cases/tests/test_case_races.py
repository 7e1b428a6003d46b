"""Two people acting on the same case at the same moment, on real PostgreSQL connections."""

from __future__ import annotations

import pytest

from accounts.tests.factories import UserFactory
from cases.models import Case, CaseClosureRequest, CaseEvent
from cases.services import cases as services
from cases.tests.factories import ClientFactory
from cases.tests.races import at_once
from core.roles import Role


@pytest.mark.django_db(transaction=True)
def test_two_supervisors_deciding_one_closing_request(counselor, supervisor):
    other = UserFactory(roles=[Role.SUPERVISOR])
    case = services.case_open(client=ClientFactory(), by=counselor)
    request = services.case_request_closure(
        case=case, reason=Case.CloseReason.RESOLVED, note="", by=counselor
    )

    results = at_once(
        lambda: services.case_approve_closure(request=request, by=supervisor),
        lambda: services.case_reject_closure(request=request, by=other, note="まだ早い"),
    )

    assert results == ["done", "refused"]
    request.refresh_from_db()
    case.refresh_from_db()
    decisions = case.state_changes.filter(
        kind__in=[CaseEvent.Kind.CLOSURE_APPROVED, CaseEvent.Kind.CLOSURE_REJECTED]
    )
    assert decisions.count() == 1
    assert (request.state == CaseClosureRequest.State.APPROVED) == (
        case.status == Case.Status.CLOSED
    )


@pytest.mark.django_db(transaction=True)
def test_two_counselors_requesting_closingat_once(counselor, colleague):
    case = services.case_open(
        client=ClientFactory(), by=counselor, counselors=[counselor, colleague]
    )

    results = at_once(
        lambda: services.case_request_closure(case=case, reason="resolved", note="", by=counselor),
        lambda: services.case_request_closure(case=case, reason="moved", note="", by=colleague),
    )

    assert results == ["done", "refused"]
    assert CaseClosureRequest.objects.filter(case=case).count() == 1
