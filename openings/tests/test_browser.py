import pytest

from openings.models import OpeningException
from openings.services import openings_seed_programme_defaults


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_coordinator_closes_a_wednesday_from_the_calendar(login, coordinator):
    openings_seed_programme_defaults()
    page = login(coordinator)

    page.goto("/openings/?month=2022-04")
    page.get_by_role("heading", name="開設日カレンダー").wait_for()
    page.get_by_label("休止", exact=True).check()
    page.get_by_label("日付").fill("2022-04-06")
    page.get_by_label("備考").fill("研修のため")
    page.get_by_role("button", name="保存").click()

    page.get_by_text("2022年4月6日(水)を休止にしました。").wait_for()
    assert OpeningException.objects.filter(kind="closure", note="研修のため").exists()
    assert page.locator("td[aria-current]").count() == 0  # April 2022 is not this month
    page.get_by_role("link", name="次の月").click()
    page.wait_for_url("**/openings/?month=2022-05")
