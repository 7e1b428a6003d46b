import datetime

import pytest
from django.utils import timezone

from conftest import csp_violations, screenshot, watch_page
from core.time import fiscal_year_start
from openings.models import Channel, OpeningException
from openings.services import opening_exception_create, openings_seed_programme_defaults


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_coordinator_closes_a_wednesday_from_the_calendar(login, coordinator):
    # Closures are refused on past days: the first Wednesday of the next fiscal year.
    next_fy = next_fiscal_year()
    openings_seed_programme_defaults(fiscal_year_start=next_fy)
    wednesday = next_fy + datetime.timedelta(days=(2 - next_fy.weekday()) % 7)
    following = (wednesday.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    page = login(coordinator)

    page.goto(f"/openings/?month={wednesday:%Y-%m}")
    page.get_by_role("heading", name="開設日カレンダー").wait_for()
    page.get_by_label("休止", exact=True).check()
    page.get_by_label("日付").fill(f"{wednesday}")
    page.get_by_label("備考").fill("研修のため")
    page.get_by_role("button", name="保存").click()

    page.get_by_text(
        f"{wednesday.year}年{wednesday.month}月{wednesday.day}日(水)を休止にしました。"
    ).wait_for()
    assert OpeningException.objects.filter(kind="closure", note="研修のため").exists()
    assert page.locator("td[aria-current]").count() == 0  # that April is not this month
    page.get_by_role("link", name="次の月").click()
    page.wait_for_url(f"**/openings/?month={following:%Y-%m}")


def next_fiscal_year() -> datetime.date:
    return datetime.date(fiscal_year_start(timezone.localdate()).year + 1, 4, 1)


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_coordinator_confirms_before_a_closure_is_removed(page, login, coordinator):
    next_fy = next_fiscal_year()
    openings_seed_programme_defaults(fiscal_year_start=next_fy)
    sunday = next_fy + datetime.timedelta(days=(6 - next_fy.weekday()) % 7)
    closure = opening_exception_create(
        channel=Channel.LINE, date=sunday, kind="closure", note="研修のため", by=coordinator
    )
    problems = watch_page(page)
    login(coordinator)
    day = f"{sunday.year}年{sunday.month}月{sunday.day}日(日)"
    remove = page.get_by_role("link", name=f"取消 休止 {day}")

    page.goto(f"/openings/?month={sunday:%Y-%m}")
    page.get_by_role("heading", name="開設日カレンダー").wait_for()
    csp_violations(page, problems)
    remove.click()

    # The confirmation: nothing has changed yet, and it says what opens again.
    page.get_by_role("heading", name="休止の取り消し").wait_for()
    assert OpeningException.objects.filter(pk=closure.pk).exists()
    assert "10:00–16:00 LINE相談" in page.locator("#reopened-windows").inner_text()
    csp_violations(page, problems)
    screenshot(page, "openings-closure-remove-confirmation")

    # Going back keeps it.
    page.get_by_role("link", name="取り消さずに戻る").click()
    page.wait_for_url(f"**/openings/?month={sunday:%Y-%m}&channel=line")
    assert OpeningException.objects.filter(pk=closure.pk).exists()

    remove.click()
    page.get_by_role("button", name="休止を取り消す").click()

    page.get_by_text("の休止を取り消しました。この日は開設されます。").wait_for()
    assert not OpeningException.objects.filter(pk=closure.pk).exists()
    csp_violations(page, problems)
    assert problems == []
