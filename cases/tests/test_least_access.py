"""Least access (issue 7, point 4): a counselor sees her own clients and cases; the intake
queue reaches her as minimal lines, never as records."""

import pytest
from django.urls import reverse

from audit.models import AccessLog
from cases.models import Case, Client, RiskFlag
from cases.selectors import clients_visible_to
from cases.tests.factories import CaseFactory, ClientFactory, ConsultationFactory

PHONE = "09087654321"
FLAG_NOTE = "元夫が居場所を探している"
SUMMARY = "夜に家を出たいと相談"


@pytest.fixture
def queued(counselor):
    """An unassigned woman with an active DV flag, a phone number and a consultation."""
    her = ClientFactory(nickname="すみれ", phone=PHONE)
    RiskFlag.objects.create(
        client=her, kind=RiskFlag.Kind.DV_DANGER, note=FLAG_NOTE, set_by=counselor
    )
    consultation = ConsultationFactory(client=her, recorded_by=counselor, summary=SUMMARY)
    # Recorded by someone, but taken on by nobody: still in the queue.
    her.counselors.clear()
    return {"client": her, "consultation": consultation}


def _denied_rows(user, object_type, object_id) -> int:
    return AccessLog.objects.filter(
        user=user,
        action=AccessLog.Action.DENIED,
        object_type=object_type,
        object_id=str(object_id),
    ).count()


def test_the_queue_is_not_in_a_counselors_scope(counselor, colleague, supervisor, queued):
    her = queued["client"]
    mine = ClientFactory(counselors=[counselor])
    on_my_case = ClientFactory()
    CaseFactory(client=on_my_case, counselors=[counselor])
    assert set(clients_visible_to(counselor)) == {mine, on_my_case}
    assert her not in clients_visible_to(colleague)
    assert her in clients_visible_to(supervisor)


def test_an_unassigned_clients_pages_answer_404_and_are_logged_as_denied(client, colleague, queued):
    her, consultation = queued["client"], queued["consultation"]
    case = CaseFactory(client=her)
    client.force_login(colleague)
    for url, object_type, object_id in [
        (reverse("cases:client_detail", args=[her.pk]), "cases.client", her.pk),
        (reverse("cases:client_edit", args=[her.pk]), "cases.client", her.pk),
        (reverse("cases:consultation_create", args=[her.pk]), "cases.client", her.pk),
        (
            reverse("cases:consultation_detail", args=[consultation.pk]),
            "cases.consultation",
            consultation.pk,
        ),
        (reverse("cases:case_detail", args=[case.pk]), "cases.case", case.pk),
        (f"{reverse('cases:case_open')}?client={her.pk}", "cases.client", her.pk),
        (f"{reverse('followups:create')}?client={her.pk}", "cases.client", her.pk),
    ]:
        before = _denied_rows(colleague, object_type, object_id)
        response = client.get(url)
        assert response.status_code == 404, url
        assert _denied_rows(colleague, object_type, object_id) == before + 1, url
    response = client.post(
        reverse("cases:risk_flag_set", args=[her.pk]), {"kind": RiskFlag.Kind.PREGNANT}
    )
    assert response.status_code == 404
    assert not her.risk_flags.filter(kind=RiskFlag.Kind.PREGNANT).exists()
    assert Case.objects.filter(client=her).count() == 1


def _assert_minimal(html: str, her: Client) -> None:
    assert her.nickname in html
    for secret in (PHONE, FLAG_NOTE, SUMMARY, str(RiskFlag.Kind.DV_DANGER.label)):
        assert secret not in html, secret
    assert f'href="{reverse("cases:client_detail", args=[her.pk])}"' not in html
    assert reverse("cases:client_break_glass", args=[her.pk]) in html


def test_the_queue_tab_shows_a_minimal_line(client, colleague, queued):
    her = queued["client"]
    client.force_login(colleague)
    response = client.get(reverse("cases:client_list"), {"tab": "queue"})
    assert response.status_code == 200
    html = response.content.decode()
    _assert_minimal(html, her)
    assert "intake-line" in html
    assert "Urgent" in html or "緊急" in html  # a flag is in force; which one is not said
    # The take-on button is on the line: one click.
    assert reverse("cases:client_assign", args=[her.pk]) in html


def test_intake_search_finds_her_as_a_minimal_line(client, colleague, queued):
    her = queued["client"]
    client.force_login(colleague)
    for q in ("すみ", "8765-43"):  # by nickname and by phone fragment: search before create
        response = client.get(reverse("cases:intake"), {"q": q})
        assert response.status_code == 200
        _assert_minimal(response.content.decode(), her)
        assert AccessLog.objects.filter(user=colleague, action="search").exists()


def test_intake_search_shows_another_counselors_client_as_a_line(client, counselor, colleague):
    hers = ClientFactory(nickname="ききょう", phone=PHONE, counselors=[counselor])
    client.force_login(colleague)
    html = client.get(reverse("cases:intake"), {"q": "ききょう"}).content.decode()
    assert hers.nickname in html and PHONE not in html
    assert reverse("cases:client_assign", args=[hers.pk]) not in html  # not in the queue
    assert reverse("cases:client_break_glass", args=[hers.pk]) in html


def test_own_clients_still_show_in_full_at_intake(client, counselor):
    mine = ClientFactory(nickname="ふじこ", counselors=[counselor])
    client.force_login(counselor)
    html = client.get(reverse("cases:intake"), {"q": "ふじ"}).content.decode()
    assert reverse("cases:consultation_create", args=[mine.pk]) in html
    assert reverse("cases:client_break_glass", args=[mine.pk]) not in html


def test_taking_her_on_is_one_click_from_the_line(client, colleague, queued):
    her = queued["client"]
    client.force_login(colleague)
    response = client.post(reverse("cases:client_assign", args=[her.pk]), {"take_on": "1"})
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:client_detail", args=[her.pk])
    assert list(her.counselors.all()) == [colleague]
    assert client.get(response["Location"]).status_code == 200  # now hers


def test_a_taken_client_cannot_be_taken_again(client, counselor, colleague, queued):
    her = queued["client"]
    her.counselors.set([counselor])
    client.force_login(colleague)
    response = client.post(reverse("cases:client_assign", args=[her.pk]), {"take_on": "1"})
    assert response.status_code == 404
    assert list(her.counselors.all()) == [counselor]


@pytest.mark.parametrize("rows", [1, 30])
def test_queue_tab_query_budget(client, colleague, django_assert_max_num_queries, rows):
    for _ in range(rows):
        her = ClientFactory()
        RiskFlag.objects.create(client=her, kind=RiskFlag.Kind.MINOR, set_by=colleague)
    client.force_login(colleague)
    # 1 session, 2 user, 3 MFA device, 4 roles, 5 count for the paginator, 6 the page of
    # lines (risk in force and scope as subqueries), 7 unread-notification count, 8 access
    # log insert.
    with django_assert_max_num_queries(8):
        response = client.get(reverse("cases:client_list"), {"tab": "queue"})
    assert len(response.context["page"].object_list) == rows


@pytest.mark.parametrize("rows", [1, 30])
def test_intake_search_with_lines_query_budget(
    client, counselor, django_assert_max_num_queries, rows
):
    for i in range(rows):
        ClientFactory(nickname=f"あやめ{i}", counselors=[counselor] if i % 2 else [])
    client.force_login(counselor)
    # 1 session, 2 user, 3 MFA device, 4 roles, 5 every match with its summary and whether
    # it is hers, 6 unread-notification count, 7 access-log insert.
    with django_assert_max_num_queries(7):
        response = client.get(reverse("cases:intake"), {"q": "あやめ"})
    assert len(response.context["results"]) == rows
