"""The downloads page (only the lists she may have), the download view's refusals, and
small-cell suppression: one rule (`core.figures.outside_count`) used by the report's
"outside the programme" files, this year and the year before alike."""

from __future__ import annotations

import datetime
import io

import openpyxl
import pytest
from django.urls import NoReverseMatch, reverse

from cases.tests.factories import ConsultationFactory
from core import registry
from core.figures import outside_count
from core.time import local_datetime
from tsunagari.exports import export_url_name

pytestmark = pytest.mark.django_db
ORGANISERS = {"activities.sessions", "activities.expert_days"}  # head counts, no women


@pytest.mark.parametrize(("count", "shown"), [(0, 0), (1, "<5"), (4, "<5"), (5, 5), (12, 12)])
def test_counts_of_one_to_four_people_read_under_five(count, shown):
    assert outside_count(count) == shown


def test_what_is_not_a_count_is_left_as_it_is():
    assert outside_count(True) is True and outside_count(3.5) == 3.5 and outside_count("") == ""


def _consultations(day: datetime.date, concern: str, n: int) -> None:
    start = local_datetime(day, datetime.time(15))
    for _ in range(n):
        ConsultationFactory(
            kind="line",
            started_at=start,
            ended_at=start + datetime.timedelta(minutes=20),
            main_concern=concern,
        )


def _report_rows(answer) -> dict[str, tuple]:
    book = openpyxl.load_workbook(io.BytesIO(answer.content))
    return {row[0]: row for row in book.worksheets[0].iter_rows(values_only=True) if row}


def test_the_outside_xlsx_hides_four_and_shows_five_in_both_years(client, supervisor):
    _consultations(datetime.date(2024, 6, 5), "economic", 4)
    _consultations(datetime.date(2024, 6, 5), "health", 5)
    _consultations(datetime.date(2023, 6, 5), "economic", 4)  # the year before
    _consultations(datetime.date(2023, 6, 5), "health", 5)
    client.force_login(supervisor)
    query = {"from": "2024-04-01", "to": "2025-03-31", "format": "xlsx"}
    inside = _report_rows(client.get(reverse("reports:kpi_download"), query))
    outside = _report_rows(client.get(reverse("reports:kpi_download"), {**query, "outside": "1"}))
    # (label, this period, unit, the year before, definition)
    assert inside["経済関係"][1] == 4 and inside["経済関係"][3] == 4
    assert outside["経済関係"][1] == "<5" and outside["経済関係"][3] == "<5"
    assert outside["医療関係（精神、妊娠・出産を含む）"][1] == 5
    assert outside["医療関係（精神、妊娠・出産を含む）"][3] == 5
    assert outside["LINE相談件数"][1] == 9  # consultations, not a count of women


def _keys_on_page(answer) -> set[str]:
    return {
        export.key
        for export in registry.list_exports
        if f'id="export-{export.key.replace(".", "")}"' in answer.text
        or reverse(export_url_name(export.key)) in answer.text
    }


def test_the_downloads_page_lists_only_what_she_may_download(
    client, supervisor, coordinator, counselor, expert, outsider
):
    client.force_login(supervisor)
    page = client.get(reverse("reports:exports"))
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    assert _keys_on_page(page) == set(registry.list_exports.keys())
    client.force_login(coordinator)
    assert _keys_on_page(client.get(reverse("reports:exports"))) == ORGANISERS
    for user in (counselor, expert, outsider):
        client.force_login(user)
        assert client.get(reverse("reports:exports")).status_code == 404


def test_a_bad_format_is_refused_with_the_way_back(client, supervisor):
    client.force_login(supervisor)
    answer = client.get(reverse("reports:export_referrals.referrals"), {"format": "pdf"})
    assert answer.status_code == 400 and "attachment" not in answer.get("Content-Disposition", "")
    assert "CSV" in answer.text and reverse("referrals:board") in answer.text


def test_an_unknown_list_has_no_url():
    with pytest.raises(NoReverseMatch):
        reverse("reports:export_nosuch.list")
