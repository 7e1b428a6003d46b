"""The yearly report in Chromium: a supervisor opens 令和4年度, reads the table and the chart,
and downloads the XLSX, which holds the same figures as the page."""

from __future__ import annotations

import datetime
import io

import openpyxl
import pytest
from playwright.sync_api import expect

from cases.tests.factories import ConsultationFactory
from conftest import csp_violations, screenshot, watch_page
from core.time import local_datetime
from openings.models import Channel, Opening
from reports import selectors

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_supervisor_reads_fy2022_and_downloads_it(page, login, supervisor):
    for month, count in ((4, 3), (10, 5)):
        start = local_datetime(datetime.date(2022, month, 6), datetime.time(15))  # a Wednesday
        Opening.objects.create(
            channel=Channel.LINE, starts_at=start - datetime.timedelta(hours=1),
            ends_at=start + datetime.timedelta(hours=5),
        )  # fmt: skip
        for _ in range(count):
            ConsultationFactory(
                kind="line", started_at=start, ended_at=start + datetime.timedelta(minutes=30)
            )
    problems = watch_page(page)
    page.set_viewport_size({"width": 1280, "height": 900})
    login(supervisor)
    page.goto("/")
    page.locator("#supervisor-menu").click()
    page.get_by_role("link", name="事業実績報告").click()
    page.locator("#kpi-years").get_by_role("link", name="令和4年度").click()
    expect(page.locator("h1")).to_contain_text("令和4年度")
    table = page.locator("#kpi-table")
    expect(table.locator('tr[data-key="line.consultations"]')).to_contain_text("8")
    expect(table.locator('tr[data-key="line.opening_days"]')).to_contain_text("2")
    expect(table.locator('tr[data-key="line.consultations_per_opening_day"]')).to_contain_text(
        "4.0"
    )
    expect(page.locator("#kpi-chart rect")).to_have_count(24)  # two series, twelve months
    expect(page.locator("#kpi-monthly")).to_contain_text("2022年10月")
    csp_violations(page, problems)
    screenshot(page, "kpi-report")

    with page.expect_download() as waiting:
        page.locator("#kpi-xlsx").click()
    book = openpyxl.load_workbook(io.BytesIO(open(waiting.value.path(), "rb").read()))
    keys = {k: v for k, v in book.worksheets[2].iter_rows(min_row=2, values_only=True)}
    expected = selectors.flatten(selectors.kpi_numbers(selectors.fiscal_year(2022)))
    assert keys == expected
    assert keys["line.consultations"] == 8 and keys["line.consultations_per_opening_day"] == 4.0
    assert problems == []
