"""Sign-in, password change, sign-out and the per-user language, as a staff member meets them."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.hashers import make_password
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format

import tsunagari.settings as production_settings
from accounts.models import User

pytestmark = pytest.mark.django_db

LOGIN_URL = "/accounts/login/"


def client_for(user) -> Client:
    other = Client()
    other.force_login(user)
    return other


def test_login_page_is_japanese_by_default(client):
    response = client.get(LOGIN_URL)

    page = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="ja">' in page
    assert re.search(r"<title>ログイン.*つながり</title>", page)
    # Django's own field labels, translated by Django's catalogue.
    assert re.search(r'<label[^>]*for="id_username"[^>]*>\s*ユーザー名', page)
    assert re.search(r'<label[^>]*for="id_password"[^>]*>\s*パスワード', page)
    assert "本文へスキップ" in page
    assert response["Content-Language"] == "ja"


def test_login_page_is_japanese_for_any_browser_until_she_picks_english(client):
    # An en-US browser in the office still gets Japanese: the language menu decides.
    page = client.get(LOGIN_URL, headers={"accept-language": "en"}).content.decode()
    assert '<html lang="ja">' in page

    client.post("/i18n/setlang/", {"language": "en", "next": LOGIN_URL})
    page = client.get(LOGIN_URL, headers={"accept-language": "ja"}).content.decode()
    assert '<html lang="en">' in page
    assert re.search(r'<label[^>]*for="id_username"[^>]*>\s*Username', page)


def test_wrong_password_shows_a_japanese_error_and_signs_nobody_in(client, counselor):
    response = client.post(LOGIN_URL, {"username": counselor.username, "password": "wrong-one-1"})

    assert response.status_code == 200
    assert "正しいユーザー名とパスワードを入力してください。" in response.content.decode()
    assert SESSION_KEY not in client.session


def test_right_password_signs_in_and_lands_on_home(client, counselor, password):
    response = client.post(LOGIN_URL, {"username": counselor.username, "password": password})

    assert response.status_code == 302
    # Signed in for the password step only: the MFA step (here enrolment, her first sign-in)
    # comes next and then home (accounts/tests/test_mfa.py).
    assert response["Location"] == reverse("accounts:mfa_enrol") + "?next=%2F"
    assert client.session[SESSION_KEY] == str(counselor.pk)


def test_inactive_user_cannot_sign_in(client, counselor, password):
    counselor.is_active = False
    counselor.save(update_fields=["is_active"])

    client.post(LOGIN_URL, {"username": counselor.username, "password": password})

    assert SESSION_KEY not in client.session


def test_pages_need_a_signed_in_user(client):
    for url in [reverse("home"), reverse("accounts:profile"), reverse("accounts:password_change")]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(f"{LOGIN_URL}?next=")


def test_argon2_is_the_production_hasher(settings):
    assert production_settings.PASSWORD_HASHERS[0] == (
        "django.contrib.auth.hashers.Argon2PasswordHasher"
    )
    settings.PASSWORD_HASHERS = production_settings.PASSWORD_HASHERS

    assert make_password("a-long-enough-secret").startswith("argon2$argon2id$")


def test_password_change_rejects_a_weak_password_in_japanese(client, counselor, password):
    client.force_login(counselor)

    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": password, "new_password1": "12345678", "new_password2": "12345678"},
    )

    page = response.content.decode()
    assert response.status_code == 200
    assert "このパスワードは短すぎます。最低 12 文字以上必要です。" in page
    assert "このパスワードは一般的すぎます。" in page
    assert "このパスワードは数字しか使われていません。" in page
    counselor.refresh_from_db()
    assert counselor.check_password(password)


def test_password_change_accepts_a_strong_password(client, counselor):
    client.force_login(counselor)
    new = "yodogawa-river-walk-2022"

    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": "correct-horse-battery-9", "new_password1": new, "new_password2": new},
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:password_change_done")
    counselor.refresh_from_db()
    assert counselor.check_password(new)


def test_logout_is_post_only(client, counselor):
    client.force_login(counselor)

    assert client.get(reverse("accounts:logout")).status_code == 405
    assert SESSION_KEY in client.session

    response = client.post(reverse("accounts:logout"))

    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:login")
    assert SESSION_KEY not in client.session


def test_profile_switches_the_language_per_user_and_back(client, counselor, colleague):
    client.force_login(counselor)
    assert '<html lang="ja">' in client.get(reverse("home")).content.decode()

    response = client.post(
        reverse("accounts:profile"),
        {"display_name": "Hanako", "language": User.Language.EN, "daily_digest": "on"},
        follow=True,
    )

    page = response.content.decode()
    assert '<html lang="en">' in page
    assert "Your settings were saved." in page
    assert ">Log out<" in page
    home = client.get(reverse("home")).content.decode()
    assert '<html lang="en">' in home
    assert "Welcome, Hanako" in home
    counselor.refresh_from_db()
    assert counselor.language == "en"
    assert counselor.daily_digest is True

    # Another user's session is unaffected: the language belongs to the person.
    other = client_for(colleague)
    assert '<html lang="ja">' in other.get(reverse("home")).content.decode()

    response = client.post(
        reverse("accounts:profile"),
        {"display_name": "Hanako", "language": User.Language.JA},
        follow=True,
    )

    page = response.content.decode()
    assert '<html lang="ja">' in page
    assert "設定を保存しました。" in page
    assert ">ログアウト<" in page
    counselor.refresh_from_db()
    assert counselor.language == "ja"
    assert counselor.daily_digest is False


def test_profile_rejects_an_unknown_language(client, counselor):
    client.force_login(counselor)

    response = client.post(
        reverse("accounts:profile"), {"display_name": "x", "language": "fr", "daily_digest": "on"}
    )

    assert response.status_code == 400  # bad input: the form again, with its errors
    assert "正しく選択してください。" in response.content.decode()
    counselor.refresh_from_db()
    assert counselor.language == "ja"


def test_japanese_date_format():
    day = dt.date(2022, 4, 6)
    moment = dt.datetime(2022, 4, 6, 9, 5)

    with translation.override("ja"):
        assert date_format(day) == "2022年4月6日(水)"
        assert date_format(moment, "DATETIME_FORMAT") == "2022年4月6日(水) 9:05"
        # One format for each, everywhere: the short formats are the long ones.
        assert date_format(day, "SHORT_DATE_FORMAT") == "2022年4月6日(水)"
        assert date_format(moment, "SHORT_DATETIME_FORMAT") == "2022年4月6日(水) 9:05"
        assert date_format(day, "YEAR_MONTH_FORMAT") == "2022年4月"
    with translation.override("en"):
        assert date_format(day) == "Wed, 6 Apr 2022"
        assert date_format(day, "SHORT_DATE_FORMAT") == "Wed, 6 Apr 2022"
