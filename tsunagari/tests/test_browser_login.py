"""A counselor's sign-in journey in real Chromium: Japanese throughout, usable by keyboard."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import expect

from conftest import totp_code, totp_device

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Screenshots land in the system temp directory for a person to look at.
SCREENSHOT_DIR = Path(tempfile.gettempdir())


def test_counselor_signs_in_uses_the_menu_by_keyboard_and_signs_out(page, counselor, password):
    counselor.display_name = "相談員 佐藤"
    counselor.save(update_fields=["display_name"])
    device = totp_device(counselor)

    page.goto("/accounts/login/")
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(page).to_have_title(re.compile("^ログイン"))
    expect(page.get_by_role("heading", name="ログイン")).to_be_visible()

    # The username field has the focus, so she can type at once.
    expect(page.get_by_label("ユーザー名")).to_be_focused()

    # A wrong password: a Japanese error, still on the login page, nobody signed in.
    page.get_by_label("ユーザー名").fill(counselor.username)
    page.get_by_label("パスワード").fill("not-her-password")
    page.get_by_role("button", name="ログイン").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("正しいユーザー名とパスワードを入力してください。")
    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    page.screenshot(path=str(SCREENSHOT_DIR / "login.png"), full_page=True)

    # The right password, then the code from her authenticator: home, greeted by name, in
    # Japanese.
    page.get_by_label("パスワード").fill(password)
    page.get_by_label("パスワード").press("Enter")
    expect(page).to_have_url(re.compile(r"/accounts/mfa/"))
    page.locator("input[name=code]").fill(totp_code(device))
    page.locator("input[name=code]").press("Enter")
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page).not_to_have_url(re.compile(r"/accounts/login/"))
    expect(page.get_by_role("heading", level=1)).to_have_text("相談員 佐藤さん、こんにちは")
    nav = page.get_by_role("navigation", name="メインナビゲーション")
    expect(nav.get_by_role("link", name="ホーム")).to_be_visible()
    expect(nav.get_by_role("link", name="管理画面")).to_have_count(0)  # supervisors only
    user_menu = page.locator("#user-menu")
    expect(user_menu).to_have_text("相談員 佐藤")

    # The skip link is the first thing the keyboard reaches; it shows itself on focus and
    # moves the focus to the main content.
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="本文へスキップ")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()

    # The user menu by keyboard alone: focus, Enter opens, arrows move, Enter logs out.
    user_menu.focus()
    page.keyboard.press("Enter")
    expect(user_menu).to_have_attribute("aria-expanded", "true")
    menu = page.locator(".dropdown-menu")
    expect(menu.get_by_role("link", name="設定")).to_be_visible()
    expect(menu.get_by_role("link", name="パスワード変更")).to_be_visible()
    page.keyboard.press("ArrowDown")
    expect(menu.get_by_role("link", name="設定")).to_be_focused()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    logout = menu.get_by_role("button", name="ログアウト")
    expect(logout).to_be_focused()
    page.screenshot(path=str(SCREENSHOT_DIR / "login-menu.png"))

    # Escape closes the menu and gives focus back to its toggle.
    page.keyboard.press("Escape")
    expect(user_menu).to_have_attribute("aria-expanded", "false")
    expect(user_menu).to_be_focused()

    page.keyboard.press("Enter")
    for _ in range(3):
        page.keyboard.press("ArrowDown")
    expect(logout).to_be_focused()
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/accounts/login/$"))
    expect(page.get_by_role("heading", name="ログイン")).to_be_visible()
    # Signed out for real: home sends her back to the login page.
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))


def test_language_switch_before_sign_in(page):
    page.goto("/accounts/login/")

    page.get_by_label("言語").select_option("en")

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", name="Log in")).to_be_visible()
    expect(page.get_by_label("Username")).to_be_visible()


def test_shared_login_fixture_signs_a_supervisor_in(login, supervisor):
    page = login(supervisor)

    nav = page.get_by_role("navigation", name="メインナビゲーション")
    expect(nav.get_by_role("link", name="管理画面")).to_be_visible()
