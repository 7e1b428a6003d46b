"""The yearly report: the command's keys and definitions, rounding, empty periods, refusals,
the page and its downloads agreeing, small cells hidden for outside, fixed query counts."""

from __future__ import annotations

import datetime
import io
import json

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessLog
from cases.models import Consultation
from cases.services import cases as case_services
from cases.services.consultations import consultation_record
from cases.tests.factories import ClientFactory, ConsultationFactory
from core.time import local_datetime
from openings.models import Channel, Opening
from openings.report import derived
from referrals.models import Partner
from reports import selectors

pytestmark = pytest.mark.django_db

# The documented keys of the report (issue text), with every code expanded.
KINDS = [c for c, _ in Consultation.Kind.choices]
CONCERNS = [c for c, _ in Consultation.MainConcern.choices]
PARTNER_KINDS = [c for c, _ in Partner.Kind.choices]
DOCUMENTED = [
    "period.from", "period.to",
    "line.friends_at_end", "line.follows", "line.unfollows", "line.messages_received",
    "line.messages_outside_hours", "line.opening_days", "line.consultations",
    "line.consultations_per_opening_day",
    "expert.legal.sessions", "expert.legal.consultations",
    "expert.health.sessions", "expert.health.consultations",
    "peer_support.sessions", "peer_support.participants",
    "survey.responses", "survey.glad_pct", "survey.felt_positive_pct",
    "survey.felt_positive_target_pct",
    "cases.opened", "cases.closed", "cases.open_at_end",
    "referrals.made", "referrals.completed", "referrals.accompaniments",
    "risk.urgent_conversations", "risk.protocols",
    "outreach.broadcasts_sent", "outreach.recipients",
    *[f"referrals.by_partner_kind.{k}" for k in PARTNER_KINDS],
    *[f"consultations.by_kind.{k}" for k in KINDS],
    *[f"consultations.by_main_concern.{k}" for k in CONCERNS],
]  # fmt: skip
# Keys whose app has not landed yet: each must be absent (every app has landed).
PENDING: set[str] = set()

FY2024 = selectors.fiscal_year(2024)


def _report(*args: str) -> dict:
    out = io.StringIO()
    call_command("kpi_report", *args, stdout=out)
    return json.loads(out.getvalue())


def _flat(numbers: dict) -> dict:
    return selectors.flatten(numbers)


def test_the_json_has_every_documented_key_and_integers_as_integers():
    flat = _flat(_report("--from", "2024-04-01", "--to", "2025-03-31"))
    missing = [k for k in DOCUMENTED if k not in PENDING and k not in flat]
    assert missing == []
    assert [k for k in PENDING if k in flat] == [], "landed: take these keys off PENDING"
    assert flat["period.from"] == "2024-04-01" and flat["period.to"] == "2025-03-31"


def test_an_empty_period_gives_zeros_not_errors():
    flat = _flat(_report("--from", "2010-04-01", "--to", "2010-04-30"))
    # A target is the programme's, not a count of the period.
    figures = {
        k: v
        for k, v in flat.items()
        if not k.startswith("period.") and not k.endswith("_target_pct")
    }
    assert figures and all(v == 0 for v in figures.values())
    assert isinstance(flat["cases.opened"], int) and flat["cases.opened"] == 0
    assert flat["line.consultations_per_opening_day"] == 0.0


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--from", "2023-04-01", "--to", "2022-04-01"], "終了日が開始日より前"),
        (["--from", "2022-13-01", "--to", "2023-03-31"], "YYYY-MM-DD"),
        (["--from", "1990-04-01", "--to", "1991-03-31"], "記録はありません"),
    ],
)
def test_a_period_it_cannot_cover_is_a_clear_error(args, says):
    with pytest.raises(CommandError, match=says):
        call_command("kpi_report", *args, stdout=io.StringIO())


def test_the_per_opening_average_rounds_half_up():
    assert derived({"line": {"consultations": 21, "opening_days": 20}}) == {
        "line": {"consultations_per_opening_day": 1.1}  # 1.05 → 1.1, not the even 1.0
    }
    assert derived({"line": {"consultations": 1081, "opening_days": 105}}) == {
        "line": {"consultations_per_opening_day": 10.3}  # 10.295…
    }


def _at(day: datetime.date, hour: int = 15) -> datetime.datetime:
    return local_datetime(day, datetime.time(hour))


def test_a_year_built_through_the_services_is_counted_exactly(counselor, supervisor):
    """Records made as the counselors make them; each figure checked by a count of our own."""
    day = datetime.date(2024, 6, 5)  # a Wednesday in FY2024
    made = {"line": 0, "phone": 0, "legal": 0}
    concerns: dict[str, int] = {}
    for n in range(7):
        her = ClientFactory(counselors=[counselor])
        kind = ["line", "line", "phone", "line", "legal", "line", "phone"][n]
        concern = ["economic", "health", "economic", "dv_spouse", "family", "health", "other"][n]
        start = _at(day + datetime.timedelta(days=7 * n))
        end = start + datetime.timedelta(minutes=30)
        consultation_record(
            client=her, kind=kind, started_at=start, ended_at=end,
            counselors=[counselor], main_concern=concern, by=counselor,
        )  # fmt: skip
        made[kind] += 1
        concerns[concern] = concerns.get(concern, 0) + 1
        if n < 3:
            case = case_services.case_open(client=her, by=counselor, title="伴走")
            if n == 0:
                request = case_services.case_request_closure(
                    case=case, by=counselor, reason="resolved", note="落ち着いた"
                )
                case_services.case_approve_closure(request=request, by=supervisor)
    # Outside the period: the day before it starts and the day after it ends.
    for moment in (_at(datetime.date(2024, 3, 31), 23), _at(datetime.date(2025, 4, 1), 0)):
        ConsultationFactory(kind="line", started_at=moment, ended_at=moment)
    for offset in (0, 7, 14):
        start = _at(day + datetime.timedelta(days=offset), 14)
        Opening.objects.create(
            channel=Channel.LINE, starts_at=start, ends_at=start + datetime.timedelta(hours=6)
        )
    flat = _flat(selectors.kpi_numbers(FY2024))
    assert flat["line.consultations"] == made["line"] == 4
    assert flat["consultations.by_kind.phone"] == made["phone"]
    assert flat["expert.legal.consultations"] == made["legal"]
    assert {k: flat[f"consultations.by_main_concern.{k}"] for k in concerns} == concerns
    assert sum(flat[f"consultations.by_main_concern.{k}"] for k in CONCERNS) == 7
    assert flat["line.opening_days"] == 3
    assert flat["line.consultations_per_opening_day"] == 1.3  # 4 / 3 = 1.33…
    # The cases were opened (and one closed) today, not in FY2024.
    assert flat["cases.opened"] == 0 and flat["cases.closed"] == 0
    today = timezone.localdate()
    this_year = _flat(selectors.kpi_numbers(selectors.Period(today, today)))
    assert this_year["cases.opened"] == 3 and this_year["cases.closed"] == 1
    assert this_year["cases.open_at_end"] == 2


def test_the_page_the_xlsx_and_the_json_agree(client, supervisor, counselor):
    start = _at(datetime.date(2024, 6, 5))
    for _ in range(3):
        ConsultationFactory(
            kind="line", started_at=start, ended_at=start + datetime.timedelta(minutes=20)
        )
    client.force_login(supervisor)
    query = {"from": "2024-04-01", "to": "2025-03-31"}
    page = client.get(reverse("reports:kpi"), query)
    assert page.status_code == 200
    body = page.content.decode()
    assert "令和6年度" in body and 'data-key="line.consultations"' in body
    assert page.context["numbers"]["line"]["consultations"] == 3
    as_json = client.get(reverse("reports:kpi_download"), {**query, "format": "json"})
    numbers = json.loads(as_json.content)
    assert numbers == page.context["numbers"]
    as_xlsx = client.get(reverse("reports:kpi_download"), {**query, "format": "xlsx"})
    book = openpyxl.load_workbook(io.BytesIO(as_xlsx.content))
    keys = {row[0]: row[1] for row in book.worksheets[2].iter_rows(min_row=2, values_only=True)}
    assert keys == {k: v for k, v in _flat(numbers).items()}
    report = list(book.worksheets[0].iter_rows(values_only=True))
    assert ("LINE相談件数", 3) in {(row[0], row[1]) for row in report if row and len(row) > 1}
    months = list(book.worksheets[1].iter_rows(values_only=True))
    # The header, then April…; June holds the three (the LINE series comes first, then cases).
    assert len(months) == 13 and months[3][2] == 3
    assert as_xlsx["Cache-Control"].startswith("no-store") or "no-store" in as_xlsx["Cache-Control"]
    assert (
        AccessLog.objects.filter(
            user=supervisor, action="export", object_type="reports.kpi"
        ).count()
        == 2
    )
    as_csv = client.get(reverse("reports:kpi_download"), {**query, "format": "csv"})
    assert as_csv.content.startswith("\ufeff".encode())


def test_counts_of_fewer_than_five_women_are_hidden_outside_the_programme(client, supervisor):
    start = _at(datetime.date(2024, 6, 5))
    for concern in ("economic", "economic", "health", "health", "health", "health", "health"):
        ConsultationFactory(
            kind="line",
            started_at=start,
            ended_at=start + datetime.timedelta(minutes=20),
            main_concern=concern,
        )
    client.force_login(supervisor)
    query = {"from": "2024-04-01", "to": "2025-03-31", "format": "json"}
    inside = json.loads(client.get(reverse("reports:kpi_download"), query).content)
    outside = json.loads(
        client.get(reverse("reports:kpi_download"), {**query, "outside": "1"}).content
    )
    assert inside["consultations"]["by_main_concern"]["economic"] == 2
    assert outside["consultations"]["by_main_concern"]["economic"] == "<5"
    assert outside["consultations"]["by_main_concern"]["health"] == 5
    assert outside["consultations"]["by_main_concern"]["housing"] == 0  # nothing to hide in a zero
    assert outside["line"]["consultations"] == 7  # consultations, not a count of women


def test_only_supervisors_see_the_report(client, counselor, coordinator, expert):
    for user in (counselor, coordinator, expert):
        client.force_login(user)
        assert client.get(reverse("reports:kpi")).status_code in (403, 404)
        assert client.get(reverse("reports:kpi_download"), {"format": "json"}).status_code in (
            403,
            404,
        )


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ({"from": "2023-04-01", "to": "2022-04-01"}, "終了日が開始日より前"),
        ({"from": "abc", "to": "2023-03-31"}, "YYYY-MM-DD"),
        ({"from": "2022-04-01"}, "YYYY-MM-DD"),
    ],
)
def test_a_bad_period_is_answered_with_what_is_wrong(client, supervisor, query, says):
    client.force_login(supervisor)
    answer = client.get(reverse("reports:kpi"), query)
    assert answer.status_code == 400 and says in answer.content.decode()
    download = client.get(reverse("reports:kpi_download"), {**query, "format": "xlsx"})
    assert download.status_code == 400 and "attachment" not in download.get(
        "Content-Disposition", ""
    )


def test_the_fiscal_year_shortcuts_name_the_era():
    assert selectors.fiscal_year(2022) == selectors.Period(
        datetime.date(2022, 4, 1), datetime.date(2023, 3, 31)
    )
    assert selectors.fiscal_year(2022).fiscal_year == 2022
    assert (
        selectors.Period(datetime.date(2022, 4, 1), datetime.date(2022, 4, 30)).fiscal_year is None
    )
    assert selectors.fiscal_year(2020).year_before() == selectors.fiscal_year(2019)
    assert selectors.Period(
        datetime.date(2024, 2, 29), datetime.date(2024, 2, 29)
    ).year_before().start == datetime.date(2023, 2, 28)


def _page_queries(client) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert (
            client.get(
                reverse("reports:kpi"), {"from": "2024-04-01", "to": "2025-03-31"}
            ).status_code
            == 200
        )
    return len(captured.captured_queries)


def test_the_page_runs_the_same_queries_for_ten_times_the_data(client, supervisor, counselor):
    client.force_login(supervisor)

    def add(n: int) -> None:
        for i in range(n):
            start = _at(datetime.date(2024, 4, 3) + datetime.timedelta(days=7 * (i % 50)))
            her = ClientFactory(counselors=[counselor])
            ConsultationFactory(
                client=her,
                kind=KINDS[i % len(KINDS)],
                started_at=start,
                ended_at=start + datetime.timedelta(minutes=20),
                main_concern=CONCERNS[i % len(CONCERNS)],
            )
            Opening.objects.get_or_create(
                channel=Channel.LINE,
                starts_at=start,
                defaults={"ends_at": start + datetime.timedelta(hours=6)},
            )

    add(6)
    small = _page_queries(client)
    add(54)
    assert _page_queries(client) == small


def test_the_demo_year_gives_the_seeds_volumes():
    """seed_demo builds the report's FY2022; the command gives the city's table back."""
    call_command("seed_demo", "--seed", "2022", "--scale", "1", stdout=io.StringIO())
    flat = _flat(_report("--from", "2022-04-01", "--to", "2023-03-31"))
    assert {
        key: flat[key]
        for key in (
            "line.friends_at_end", "line.consultations", "line.opening_days",
            "line.consultations_per_opening_day", "expert.legal.sessions",
            "expert.legal.consultations", "expert.health.sessions", "expert.health.consultations",
            "peer_support.sessions", "peer_support.participants", "supplies.distributed.pads_28",
        )
    } == {
        "line.friends_at_end": 1424, "line.consultations": 1081, "line.opening_days": 105,
        "line.consultations_per_opening_day": 10.3, "expert.legal.sessions": 2,
        "expert.legal.consultations": 23, "expert.health.sessions": 2,
        "expert.health.consultations": 21, "peer_support.sessions": 6,
        "peer_support.participants": 21, "supplies.distributed.pads_28": 10000,
    }  # fmt: skip
    # Two demo broadcasts were sent in the year, each to every demo friend of its segment.
    assert flat["outreach.broadcasts_sent"] == 2 and flat["outreach.recipients"] > 0
