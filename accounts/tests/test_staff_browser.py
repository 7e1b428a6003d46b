"""A supervisor creates a staff account in the browser, from the Supervision menu, and the new
counselor signs in with the password shown once."""

from __future__ import annotations

from accounts.models import User
from conftest import csp_violations, screenshot, watch_page


def test_a_supervisor_creates_an_account_and_she_signs_in(page, login, supervisor):
    problems = watch_page(page)
    login(supervisor)
    page.locator("#supervisor-menu").click()
    page.get_by_role("link", name="職員アカウント").click()
    page.wait_for_url("**/accounts/staff/")
    csp_violations(page, problems)
    page.get_by_role("link", name="職員アカウントの作成").click()
    page.get_by_label("ユーザー名").fill("hanako")
    page.get_by_label("表示名").fill("山田 花子")
    page.get_by_label("相談員", exact=True).check()
    assert page.get_by_text("各役割でできること").is_visible()
    screenshot(page, "staff-create")
    csp_violations(page, problems)
    page.get_by_role("button", name="アカウントを作成").click()
    page.wait_for_url("**/accounts/staff/*/")
    password = page.locator("[data-new-password]").inner_text().strip()
    screenshot(page, "staff-created")
    csp_violations(page, problems)
    assert User.objects.get(username="hanako").check_password(password)
    assert problems == []

    # She signs in with it and is asked to set up two-step verification.
    page.context.clear_cookies()
    page.goto("/accounts/login/")
    page.get_by_label("ユーザー名").fill("hanako")
    page.get_by_label("パスワード").fill(password)
    page.get_by_role("button", name="ログイン").click()
    page.wait_for_url("**/accounts/mfa/enrol/**")
