"""The supervisors' list downloads: what they hold (no free text), who may have them, bad
requests answered 400, each download logged."""

from __future__ import annotations

import csv
import datetime
import io

import openpyxl
import pytest
from django.urls import reverse

from audit.models import AccessLog
from cases.tests.factories import CaseFactory, ClientFactory, ConsultationFactory
from core.time import local_datetime

pytestmark = pytest.mark.django_db


def _rows(answer) -> list[list[str]]:
    body = b"".join(answer.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def test_the_client_list_download_has_no_nickname_or_phone(client, supervisor, counselor):
    her = ClientFactory(counselors=[counselor], nickname="=HYPERLINK(1)", phone="09011112222")
    client.force_login(supervisor)
    answer = client.get(reverse("cases:client_export"), {"format": "csv"})
    assert answer.status_code == 200 and "no-store" in answer["Cache-Control"]
    rows = _rows(answer)
    assert rows[0][0] == "相談者番号" and [str(her.pk)] == [r[0] for r in rows[1:]]
    flat = repr(rows)
    assert "HYPERLINK" not in flat and "09011112222" not in flat
    assert AccessLog.objects.filter(
        user=supervisor, action="export", object_type="cases.client"
    ).exists()


def test_the_case_and_consultation_downloads(client, supervisor, counselor):
    case = CaseFactory()
    start = local_datetime(datetime.date(2024, 6, 5), datetime.time(15))
    ConsultationFactory(
        client=case.client, kind="line", started_at=start,
        ended_at=start + datetime.timedelta(minutes=45), summary="秘密の内容", notes="メモ",
    )  # fmt: skip
    client.force_login(supervisor)
    cases = openpyxl.load_workbook(
        io.BytesIO(
            client.get(reverse("cases:case_export"), {"format": "xlsx", "status": "all"}).content
        )
    ).active
    assert [c.value for c in cases[2]][:2] == [case.pk, case.client_id]
    answer = client.get(
        reverse("cases:consultation_export"),
        {"format": "csv", "from": "2024-04-01", "to": "2025-03-31"},
    )
    rows = _rows(answer)
    assert len(rows) == 2 and rows[1][3] == "LINE相談" and rows[1][6] == "45"
    assert "秘密の内容" not in repr(rows) and "メモ" not in repr(rows)


@pytest.mark.parametrize(
    ("name", "query"),
    [
        ("cases:client_export", {"format": "pdf"}),
        ("cases:case_export", {"format": "doc"}),
        ("cases:consultation_export", {"format": "csv", "from": "2025-01-01", "to": "2024-01-01"}),
        ("cases:consultation_export", {"format": "csv", "from": "abc", "to": "2024-01-01"}),
        ("cases:consultation_export", {"format": "csv", "from": "2010-01-01", "to": "2024-01-01"}),
    ],
)
def test_a_bad_download_request_is_answered_400(client, supervisor, name, query):
    client.force_login(supervisor)
    answer = client.get(reverse(name), query)
    assert answer.status_code == 400 and "attachment" not in answer.get("Content-Disposition", "")


@pytest.mark.parametrize(
    "name", ["cases:client_export", "cases:case_export", "cases:consultation_export"]
)
def test_counselors_and_others_get_no_download(client, counselor, coordinator, expert, name):
    ClientFactory(counselors=[counselor])
    for user in (counselor, coordinator, expert):
        client.force_login(user)
        answer = client.get(
            reverse(name), {"format": "csv", "from": "2024-04-01", "to": "2024-05-01"}
        )
        assert answer.status_code in (403, 404)
