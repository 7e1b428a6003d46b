"""What the counselor and the supervisor see first, in the browser: the case page shows the case
and opens forms on demand; the follow-up list is one line per item with its actions in a menu;
home lists what is due now. Screenshots of each main page are kept."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from cases.services import cases as services
from cases.tests.factories import ClientFactory
from conftest import csp_violations, screenshot, watch_page
from followups.tests.factories import FollowUpFactory

pytestmark = pytest.mark.django_db(transaction=True)

WIDE = {"width": 1280, "height": 900}


def _height(page) -> int:
    return page.evaluate("document.documentElement.scrollHeight")


def test_the_counselor_s_pages_at_first_sight(page, login, counselor):
    her = ClientFactory(counselors=[counselor], nickname="ひまわり")
    case = services.case_open(client=her, by=counselor, title="住まいの確保")
    now = timezone.now()
    for i in range(15):
        FollowUpFactory(
            client=her,
            case=case,
            assignee=counselor,
            what=f"電話で様子をうかがう {i + 1}",
            due_at=now + datetime.timedelta(hours=i - 3),
        )
    problems = watch_page(page)
    page.set_viewport_size(WIDE)
    login(counselor)

    expect(page.locator("#my-followups-now")).to_be_visible()
    csp_violations(page, problems)
    screenshot(page, "counselor-home")

    page.goto("/cases/")
    expect(page.locator("[data-overdue]").first).to_be_visible()
    csp_violations(page, problems)
    screenshot(page, "counselor-case-list")

    page.goto(f"/cases/{case.pk}/")
    expect(page.get_by_role("heading", name="フォローアップ")).to_be_visible()
    for form in page.locator("details.on-demand").all():
        expect(form).not_to_have_attribute("open", "")
    expect(page.get_by_role("textbox", name="ケース記録")).to_be_hidden()
    csp_violations(page, problems)
    screenshot(page, "counselor-case-page")

    page.locator("summary", has_text="ケース記録を追加").click()
    page.get_by_role("textbox", name="ケース記録").fill("区役所に同行した")
    page.get_by_role("button", name="記録を追加", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("記録を追加しました")

    page.locator("summary", has_text="優先度を変更").click()
    page.get_by_role("button", name="優先度「高」にする").click()
    expect(page.get_by_role("status")).to_contain_text("優先度を変更しました")
    expect(page.locator("header")).to_contain_text("優先度：高")

    page.goto("/followups/")
    items = page.locator("[data-followup]")
    expect(items).to_have_count(15)
    # One line each: as tall as a button row, not a stack of forms.
    for box in [items.nth(i).bounding_box() for i in (0, 7, 14)]:
        assert box["height"] < 60, box
    assert _height(page) < 1400, _height(page)
    first = items.first
    expect(first.get_by_label("新しい期限")).to_be_hidden()
    first.get_by_role("button", name="その他の操作").click()
    expect(first.get_by_label("新しい期限")).to_be_visible()
    csp_violations(page, problems)
    screenshot(page, "counselor-followup-list")
    assert problems == []


def test_a_new_case_fits_well_within_a_screen_and_a_half(page, login, counselor):
    case = services.case_open(client=ClientFactory(counselors=[counselor]), by=counselor)
    page.set_viewport_size(WIDE)
    login(counselor)
    page.goto(f"/cases/{case.pk}/")
    expect(page.get_by_role("heading", name=f"ケース #{case.pk}")).to_be_visible()
    # It was 1,900 px with every form open; the case and its closed forms take far less.
    assert _height(page) < 1300, _height(page)


def test_the_supervisor_s_pages_at_first_sight(page, login, counselor, supervisor):
    case = services.case_open(
        client=ClientFactory(counselors=[counselor], nickname="あさがお"), by=counselor
    )
    services.case_request_closure(case=case, reason="resolved", note="", by=counselor)
    problems = watch_page(page)
    page.set_viewport_size(WIDE)
    login(supervisor)
    expect(page.locator("#approvals-waiting")).to_contain_text(f"ケース #{case.pk}")
    csp_violations(page, problems)
    screenshot(page, "supervisor-home")

    page.goto("/cases/")
    expect(page.get_by_role("heading", level=1)).to_have_text("すべてのケース")
    expect(page.locator("[data-closure-pending]")).to_be_visible()
    csp_violations(page, problems)
    screenshot(page, "supervisor-case-list")

    page.goto(reverse("cases:caseload"))
    page.locator(f'a[href="/cases/?counselor={counselor.pk}"]').click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{counselor}の担当ケース")

    page.goto(f"/cases/{case.pk}/")
    expect(page.get_by_text("終結はスーパーバイザーの承認待ちです")).to_be_visible()
    csp_violations(page, problems)
    screenshot(page, "supervisor-case-page")
    assert problems == []
