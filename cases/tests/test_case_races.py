"""Two people acting on the same case at the same moment, on real PostgreSQL connections."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from accounts.tests.factories import UserFactory
from cases.models import Case, CaseClosureRequest, CaseEvent
from cases.services import cases as services
from cases.tests.factories import ClientFactory
from core.roles import Role


def _at_once(*calls) -> list[str]:
    """Run each call in its own thread (own connection), released together."""
    barrier = threading.Barrier(len(calls))
    results: list[str] = []

    def run(call):
        try:
            barrier.wait()
            call()
            results.append("done")
        except ValidationError:
            results.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return sorted(results)


@pytest.mark.django_db(transaction=True)
def test_two_supervisors_deciding_one_closing_request(counselor, supervisor):
    other = UserFactory(roles=[Role.SUPERVISOR])
    case = services.case_open(client=ClientFactory(), by=counselor)
    request = services.case_request_closure(
        case=case, reason=Case.CloseReason.RESOLVED, note="", by=counselor
    )

    results = _at_once(
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
def test_two_counselors_requesting_closing_at_once(counselor, colleague):
    case = services.case_open(
        client=ClientFactory(), by=counselor, counselors=[counselor, colleague]
    )

    results = _at_once(
        lambda: services.case_request_closure(case=case, reason="resolved", note="", by=counselor),
        lambda: services.case_request_closure(case=case, reason="moved", note="", by=colleague),
    )

    assert results == ["done", "refused"]
    assert CaseClosureRequest.objects.filter(case=case).count() == 1
