"""One language at a time: the admin in Japanese words and sentences, one date format, one
pagination, Japanese unless she chose otherwise, a favicon, and the project's own 404 for a
permission answer even with DEBUG on."""

from __future__ import annotations

import datetime as dt

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.test import override_settings
from django.utils import translation
from django.utils.formats import date_format

from accounts.forms import StaffEditForm
from audit.models import AccessLog
from cases.tests.factories import ClientFactory

pytestmark = pytest.mark.django_db

OURS = {
    "core",
    "accounts",
    "audit",
    "openings",
    "cases",
    "followups",
    "notifications",
    "referrals",
    "supplies",
    "activities",
    "privacy",
    "line",
    "agenda",
}


def _japanese(text) -> bool:
    return any(ord(ch) > 0x3000 for ch in str(text))


def test_every_app_of_ours_has_a_japanese_name():
    with translation.override("ja"):
        for label in OURS:
            assert _japanese(apps.get_app_config(label).verbose_name), label


def test_every_model_of_ours_has_a_japanese_name():
    with translation.override("ja"):
        for label in OURS:
            for model in apps.get_app_config(label).get_models():
                assert _japanese(model._meta.verbose_name), model._meta.label


def test_the_admin_index_and_titles_read_japanese(client, supervisor):
    client.force_login(supervisor)

    index = client.get("/admin/").content.decode()
    changelist = client.get("/admin/audit/accesslog/").content.decode()

    assert "相談者とケース" in index
    assert f"<strong>{supervisor}</strong>でログイン中" in index
    assert "ようこそ" not in index
    assert "アクセスログの一覧" in changelist
    assert "を選択" not in changelist
    assert 'href="/static/css/admin.css"' in changelist


def test_the_access_log_reads_as_sentences_with_the_record_named(client, supervisor):
    her = ClientFactory()
    AccessLog.objects.create(
        user=supervisor,
        username=supervisor.username,
        roles="supervisor",
        action="view",
        object_type="cases.client",
        object_id=str(her.pk),
    )
    client.force_login(supervisor)

    body = client.get("/admin/audit/accesslog/").content.decode()

    assert f"相談者 No.{her.pk}を閲覧しました。" in body
    assert "cases.client<" not in body  # neither in the table nor in the filter


def test_history_says_who_created_and_changed_in_sentences(client, supervisor, counselor):
    from core.admin import _history_sentence

    with translation.override("ja"):
        assert _history_sentence("insert", "山田") == "山田が作成しました。"
        assert _history_sentence("update", "山田") == "山田が変更しました。"
        assert "update" not in _history_sentence("update", "")
    client.force_login(supervisor)
    counselor.display_name = "新しい名前"
    counselor.save()
    page = client.get(f"/admin/accounts/user/{counselor.pk}/change/").content.decode()
    assert ">update<" not in page and ">insert<" not in page


def test_groups_are_shown_by_their_role_name(client, supervisor, counselor):
    client.force_login(supervisor)

    listing = client.get("/admin/accounts/user/").content.decode()
    form = StaffEditForm(instance=counselor)

    assert "相談員" in listing and "?role=counselor" in listing
    assert "groups__id__exact" not in listing
    assert Group.objects.filter(name="counselor").exists()
    assert form.initial["roles"] == ["counselor"]


def test_one_date_format_everywhere():
    moment = dt.datetime(2026, 12, 1, 16, 46)
    with translation.override("ja"):
        assert date_format(moment, "SHORT_DATETIME_FORMAT") == "2026年12月1日(火) 16:46"
        assert date_format(moment.date(), "SHORT_DATE_FORMAT") == "2026年12月1日(火)"


def test_the_length_message_has_no_stray_spaces(client, counselor):
    client.force_login(counselor)

    response = client.post(
        "/accounts/profile/", {"display_name": "あ" * 101, "language": "ja", "daily_digest": "on"}
    )

    body = response.content.decode()
    assert response.status_code == 400
    assert "100文字以内にしてください（入力は101文字）。" in body
    assert "この値は" not in body


def test_every_list_uses_the_shared_pagination():
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    copies = [
        str(path.relative_to(root))
        for path in root.glob("*/templates/**/*.html")
        if ".venv" not in path.parts and 'class="pagination"' in path.read_text()
    ]
    assert copies == []


def test_the_empty_choice_is_worded_like_the_others():
    from privacy.forms import ErasureRequestForm

    with translation.override("ja"):
        html = str(ErasureRequestForm())
    assert "---------" not in html


def test_the_sign_in_page_is_japanese_for_an_english_browser(client):
    body = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert 'lang="ja"' in body and "ログイン" in body


def test_the_sign_in_page_follows_the_language_she_picked(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    body = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert 'lang="en"' in body


def test_after_signing_out_her_chosen_language_stays(client, counselor):
    counselor.language = "en"
    counselor.save()
    client.force_login(counselor)
    client.get("/")
    client.post("/accounts/logout/")
    body = client.get("/accounts/login/").content.decode()
    assert 'lang="en"' in body


def test_pages_link_a_real_favicon(client):
    body = client.get("/accounts/login/").content.decode()
    assert 'rel="icon" href="/static/img/favicon.svg"' in body
    assert 'href="data:,"' not in body


@override_settings(DEBUG=True)
def test_a_permission_answer_is_our_404_page_even_with_debug_on(client, coordinator):
    client.force_login(coordinator)

    response = client.get("/accounts/staff/")

    body = response.content.decode()
    assert response.status_code == 404
    assert "ページが見つかりません" in body
    assert "URLconf" not in body and "Django" not in body
    assert AccessLog.objects.filter(user=coordinator, action="denied").exists()


def test_no_page_offers_django_s_dashes_as_the_empty_choice(client, counselor):
    from django.urls import reverse

    from cases.tests.factories import CaseFactory

    her = ClientFactory(counselors=[counselor])
    case = CaseFactory(client=her, counselors=[counselor], opened_by=counselor)
    client.force_login(counselor)
    for url in [
        reverse("cases:client_detail", args=[her.pk]),
        reverse("cases:case_detail", args=[case.pk]),
        reverse("cases:consultation_create", args=[her.pk]),
        reverse("cases:intake_new"),
    ]:
        html = client.get(url).content.decode()
        assert "---------" not in html, url
