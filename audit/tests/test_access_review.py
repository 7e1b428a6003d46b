"""The supervisors' audit pages: "who accessed this record" on a client's and a case's page,
"everything this user touched between T1 and T2" with its CSV export, the security events."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessLog, SecurityEvent
from audit.services import security_event_record
from cases.tests.factories import CaseFactory, ClientFactory, ConsultationFactory

FMT = "%Y-%m-%dT%H:%M"


@pytest.fixture
def her(counselor):
    client = ClientFactory(nickname="すみれ", counselors=[counselor])
    return client


@pytest.fixture
def her_case(her, counselor):
    return CaseFactory(client=her, counselors=[counselor])


def _window(**params):
    now = timezone.localtime()
    return {
        "start": (now - dt.timedelta(days=1)).strftime(FMT),
        "end": (now + dt.timedelta(hours=1)).strftime(FMT),
        **params,
    }


def test_supervisor_sees_who_accessed_the_client_and_the_case(
    client, counselor, supervisor, her, her_case
):
    # The counselor opens her record and her case: two rows, under the counselor's login.
    client.force_login(counselor)
    assert client.get(reverse("cases:client_detail", args=[her.pk])).status_code == 200
    assert client.get(reverse("cases:case_detail", args=[her_case.pk])).status_code == 200
    page = client.get(reverse("cases:client_detail", args=[her.pk])).content.decode()
    assert "record-access-section" not in page  # not for counselors

    client.force_login(supervisor)
    page = client.get(reverse("cases:client_detail", args=[her.pk])).content.decode()
    assert "record-access-section" in page
    section = page.split('id="record-access-section"')[1].split("</section>")[0]
    # Her profile and her case both count as her records; the login name shows.
    assert f'data-record="cases.client:{her.pk}"' in section
    assert f'data-record="cases.case:{her_case.pk}"' in section
    assert counselor.username in section

    page = client.get(reverse("cases:case_detail", args=[her_case.pk])).content.decode()
    section = page.split('id="record-access-section"')[1].split("</section>")[0]
    assert f'data-record="cases.case:{her_case.pk}"' in section
    assert f'data-record="cases.client:{her.pk}"' not in section  # the case page: the case's rows


def test_the_whole_history_of_her_records(client, counselor, colleague, supervisor, her):
    other = ClientFactory(counselors=[colleague])
    consultation = ConsultationFactory(client=her, recorded_by=counselor)
    long_ago = timezone.now() - dt.timedelta(days=800)
    AccessLog.objects.create(
        user=counselor, username=counselor.username, action="view",
        object_type="cases.consultation", object_id=str(consultation.pk), at=long_ago,
    )  # fmt: skip
    AccessLog.objects.create(
        user=colleague, username=colleague.username, action="view",
        object_type="cases.client", object_id=str(other.pk),
    )  # fmt: skip
    client.force_login(supervisor)
    page = client.get(reverse("cases:client_detail", args=[her.pk])).content.decode()
    link = page.split('id="record-access-all" href="')[1].split('"')[0].replace("&amp;", "&")
    response = client.get(link)
    assert response.status_code == 200
    body = response.content.decode()
    # Years back (a record's history has no window limit), every one of her records ...
    assert f'data-record="cases.consultation:{consultation.pk}"' in body
    # ... and nobody else's.
    assert f'data-record="cases.client:{other.pk}"' not in body
    assert "すみれ" not in body  # the review names records by number, never by name


def test_everything_one_user_touched_between_two_times(client, counselor, colleague, supervisor):
    now = timezone.now()
    rows = [
        (counselor, now - dt.timedelta(hours=3), "1"),
        (counselor, now - dt.timedelta(hours=30), "2"),  # before the window
        (colleague, now - dt.timedelta(hours=2), "3"),  # someone else
    ]
    for user, at, object_id in rows:
        AccessLog.objects.create(
            user=user, username=user.username, roles="counselor", action="view",
            object_type="cases.client", object_id=object_id, at=at,
        )  # fmt: skip
    security_event_record(kind=SecurityEvent.Kind.MFA_FAILED, user=counselor)
    client.force_login(supervisor)
    response = client.get(reverse("audit:access_review"), _window(user=counselor.pk))
    assert response.status_code == 200
    shown = [row.object_id for row in response.context["page"].object_list]
    assert shown == ["1"]
    body = response.content.decode()
    assert 'id="user-events"' in body  # her security events in the same window
    assert body.count("<li>") >= 1
    # Reading the log is itself recorded.
    assert AccessLog.objects.filter(
        user=supervisor, action="list", object_type="audit.accesslog"
    ).exists()


def test_csv_export_is_the_same_rows_with_its_own_log_row(client, counselor, supervisor):
    for object_id in ["11", "12"]:
        AccessLog.objects.create(
            user=counselor, username=counselor.username, roles="counselor", action="view",
            object_type="cases.client", object_id=object_id,
        )  # fmt: skip
    client.force_login(supervisor)
    response = client.get(reverse("audit:access_export"), _window(user=counselor.pk))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "no-store" in response["Cache-Control"]
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="access-log-')
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    table = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(table) == 3  # the header and two rows
    assert {row[6] for row in table[1:]} == {"11", "12"}
    assert all(row[2] == counselor.username and row[3] == "counselor" for row in table[1:])
    assert (
        AccessLog.objects.filter(
            user=supervisor, action="export", object_type="audit.accesslog"
        ).count()
        == 1
    )


@pytest.mark.parametrize(
    "params, error",
    [
        ({"start": "2026-05-02T00:00", "end": "2026-05-01T00:00"}, "end"),
        ({"start": "2020-01-01T00:00", "end": "2026-01-01T00:00"}, "end"),  # > a year, anyone
        ({"client": "abc"}, "client"),
        ({"start": "yesterday"}, "start"),
        ({"user": "999999"}, "user"),
    ],
)
def test_bad_filters_answer_400_with_the_reason(client, supervisor, params, error):
    client.force_login(supervisor)
    for name in ["audit:access_review", "audit:access_export"]:
        response = client.get(reverse(name), params)
        assert response.status_code == 400, name
        assert response.context["form"].errors[error]
    # Nothing was exported: the re-rendered form counts as a look at the log, no more.
    assert not AccessLog.objects.filter(action="export").exists()


def test_counselors_do_not_reach_the_audit_pages(client, counselor):
    client.force_login(counselor)
    for name in ["audit:access_review", "audit:access_export", "audit:security_events"]:
        assert client.get(reverse(name)).status_code == 404
    page = client.get("/").content.decode()
    assert reverse("audit:access_review") not in page


def test_security_events_list_filters_by_kind(client, counselor, supervisor):
    security_event_record(kind=SecurityEvent.Kind.LOGIN_FAILED, username="nobody-typed")
    security_event_record(kind=SecurityEvent.Kind.MFA_RESET, user=counselor, actor=supervisor)
    client.force_login(supervisor)
    response = client.get(reverse("audit:security_events"))
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 2
    response = client.get(reverse("audit:security_events"), {"kind": "login_failed"})
    events = list(response.context["page"].object_list)
    assert [e.kind for e in events] == ["login_failed"]
    assert "nobody-typed" in response.content.decode()
    # An unknown kind shows everything rather than failing.
    assert client.get(reverse("audit:security_events"), {"kind": "<x>"}).status_code == 200
    home = client.get("/").content.decode()
    assert reverse("audit:access_review") in home and reverse("audit:security_events") in home


def test_the_review_runs_a_fixed_number_of_queries(client, counselor, supervisor):
    def add(n):
        AccessLog.objects.bulk_create(
            AccessLog(user=counselor, username=counselor.username, action="view",
                      object_type="cases.client", object_id=str(i))
            for i in range(n)
        )  # fmt: skip

    client.force_login(supervisor)
    add(3)
    client.get(reverse("audit:access_review"), _window())
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("audit:access_review"), _window(user=counselor.pk))
    add(40)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("audit:access_review"), _window(user=counselor.pk))
    assert len(many) == len(few)
