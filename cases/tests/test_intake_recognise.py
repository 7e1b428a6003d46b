"""Intake search lets her recognise a woman before acting: for her own clients, last contact,
ward, age band, open case and counselors with a link to her page; for any other woman only
the minimal line of least access (the link there is the break-glass step)."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from accounts.tests.factories import UserFactory
from cases.models import Case
from cases.selectors.clients import intake_search, intake_search_rows
from cases.tests.factories import CaseFactory, ClientFactory, ConsultationFactory
from core.roles import Role

pytestmark = pytest.mark.django_db

WARD = "271021"  # 都島区
CASE_TITLE = "住まいの相談"
OTHER_TITLE = "別の相談員のケース"


@pytest.fixture
def hana(db):
    return UserFactory(username="hana", display_name="花子", roles=[Role.COUNSELOR])


def _mine(counselor, hana):
    her = ClientFactory(
        nickname="すずらん", ward=WARD, age_band="30s", counselors=[counselor, hana]
    )
    ConsultationFactory(
        client=her, started_at=timezone.now() - datetime.timedelta(days=2), recorded_by=counselor
    )
    case = CaseFactory(client=her, title=CASE_TITLE, counselors=[counselor])
    return her, case


def _intake(client, user, q: str) -> str:
    client.force_login(user)
    response = client.get(reverse("cases:intake"), {"q": q})
    assert response.status_code == 200
    return response.content.decode()


def test_her_own_client_shows_enough_to_recognise_her_and_a_link_to_her_page(
    client, counselor, hana
):
    her, case = _mine(counselor, hana)
    with translation.override("ja"):
        html = _intake(client, counselor, "スズ")
    assert "intake-own" in html
    assert "都島区" in html and "30歳代" in html  # ward and age band, in her language
    assert "最終連絡" in html  # last contact
    assert CASE_TITLE in html and reverse("cases:case_detail", args=[case.pk]) in html
    assert "花子" in html and str(counselor) in html  # her counselors, by name
    assert html.count(f'href="{reverse("cases:client_detail", args=[her.pk])}"') == 2
    assert "この方のページを開く" in html
    assert reverse("cases:consultation_create", args=[her.pk]) in html


def test_a_client_without_an_open_case_or_counselor_says_so(client, supervisor):
    queued = ClientFactory(nickname="すずらん")
    CaseFactory(
        client=queued,
        title=CASE_TITLE,
        status=Case.Status.CLOSED,
        closed_at=timezone.now(),
        close_reason=Case.CloseReason.RESOLVED,
    )
    with translation.override("ja"):
        html = _intake(client, supervisor, "すずらん")
    assert CASE_TITLE not in html  # a closed case is not her open case
    assert "担当者なし" in html  # nobody has taken her on


def test_another_counselors_client_stays_a_minimal_line(client, counselor, colleague, hana):
    her, case = _mine(counselor, hana)
    html = _intake(client, colleague, "すずらん")
    assert "intake-line" in html and "intake-own" not in html
    for secret in (CASE_TITLE, "花子", "都島区", "30歳代"):
        assert secret not in html, secret
    assert f'href="{reverse("cases:client_detail", args=[her.pk])}"' not in html
    assert reverse("cases:client_break_glass", args=[her.pk]) in html  # the way to her page


def test_what_is_not_hers_is_never_read_from_the_database(counselor, colleague, hana):
    """Her counselors and case titles are NULL in the row of a woman outside the scope, so
    they never reach the application, let alone the page."""
    _mine(counselor, hana)
    [line] = intake_search(colleague, "すずらん")
    assert not line.in_scope
    [row] = intake_search_rows(colleague, "すずらん")
    assert row.recognise is None
    [own] = intake_search_rows(counselor, "すずらん")
    assert own.recognise["case_title"] == CASE_TITLE


def test_only_a_case_she_may_see_is_shown(client, counselor, colleague):
    """A client is hers when she works on one of her cases; another open case of that client,
    without her, is not hers to read."""
    her = ClientFactory(nickname="すずらん", counselors=[colleague])
    mine = CaseFactory(client=her, title=CASE_TITLE, counselors=[counselor])
    other = CaseFactory(client=her, title=OTHER_TITLE, counselors=[colleague])
    Case.objects.filter(pk=other.pk).update(opened_at=mine.opened_at + datetime.timedelta(days=1))
    with translation.override("ja"):
        html = _intake(client, counselor, "すずらん")
    assert "intake-own" in html
    assert CASE_TITLE in html and OTHER_TITLE not in html
    assert "ほか1件" not in html  # nor counted


def test_her_latest_open_case_is_shown_and_the_others_counted(client, counselor, hana):
    her, case = _mine(counselor, hana)
    later = CaseFactory(client=her, title=OTHER_TITLE, counselors=[counselor])
    Case.objects.filter(pk=later.pk).update(opened_at=case.opened_at + datetime.timedelta(days=1))
    with translation.override("ja"):
        html = _intake(client, counselor, "すずらん")
    assert OTHER_TITLE in html and CASE_TITLE not in html
    assert "ほか1件" in html


@pytest.mark.parametrize("rows", [1, 20])
def test_the_fuller_lines_keep_the_query_budget(
    client, counselor, hana, django_assert_max_num_queries, rows
):
    for i in range(rows):
        her = ClientFactory(nickname=f"あやめ{i}", counselors=[counselor, hana])
        CaseFactory(client=her, title=f"{CASE_TITLE}{i}", counselors=[counselor])
        ClientFactory(nickname=f"あやめ{i}")  # a queued one: a minimal line
    client.force_login(counselor)
    # 1 session, 2 user, 3 MFA device, 4 roles, 5 every match with its summary, counselors'
    # names and open case as subqueries, 6 unread-notification count, 7 access-log insert.
    with django_assert_max_num_queries(7):
        response = client.get(reverse("cases:intake"), {"q": "アヤメ"})
    assert len(response.context["results"]) == 2 * rows
