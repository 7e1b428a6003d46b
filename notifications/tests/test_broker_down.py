"""Redis down: a request that writes and then enqueues still succeeds; the e-mail waits in the
database and the retry sweep sends it once Redis is back."""

import datetime
import socket

import pytest
from django.urls import reverse

from cases.models import CaseClosureRequest
from cases.tests.factories import CaseFactory, ClientFactory
from notifications.models import Notification
from notifications.services import notifications_email_retry

pytestmark = pytest.mark.celery


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nothing listens once the probe is closed


def test_a_request_that_enqueues_succeeds_while_redis_is_down(
    transactional_db, client, counselor, supervisor, producer_on, caplog
):
    case = CaseFactory(client=ClientFactory(counselors=[counselor]), counselors=[counselor])
    client.force_login(counselor)

    with producer_on(f"redis://127.0.0.1:{_closed_port()}/0"):
        response = client.post(
            reverse("cases:case_request_closure", args=[case.pk]),
            {"reason": "resolved", "note": "支援終了"},
        )

    assert response.status_code == 302
    assert CaseClosureRequest.objects.filter(case=case, state="pending").count() == 1
    notification = Notification.objects.get(user=supervisor, kind="closure_requested")
    assert notification.email_state == Notification.EmailState.PENDING
    assert "in on_commit()" in caplog.text  # the failed publish is logged, not raised

    # Redis is back: the retry sweep finds the waiting e-mail in the database.
    assert (
        notifications_email_retry(now=notification.created_at + datetime.timedelta(minutes=5)) == 1
    )
