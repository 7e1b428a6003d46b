"""Case pages: caseload, opening, the case page and its forms, closing decisions."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessLog
from cases.models import Case, CaseClosureRequest, CaseEvent, CaseNote, RiskFlag
from cases.services import cases as services
from cases.tests.factories import CaseFactory, ClientFactory, ConsultationFactory
from cases.tests.test_timeline import case_with_history

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(counselor):
    client = ClientFactory(counselors=[counselor], nickname="ひまわり")
    return services.case_open(client=client, by=counselor, title="住まいの相談")


def _detail(case: Case) -> str:
    return reverse("cases:case_detail", kwargs={"pk": case.pk})


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


# --- caseload ----------------------------------------------------------------------------


def test_caseload_shows_my_open_cases_with_nickname_priority_and_next_due(client, counselor):
    mine = services.case_open(client=ClientFactory(nickname="あおい"), by=counselor)
    services.support_action_add(
        case=mine,
        description="同行",
        owner=counselor,
        due_on=datetime.date(2030, 5, 1),
        by=counselor,
    )
    closed = CaseFactory(
        counselors=[counselor],
        status=Case.Status.CLOSED,
        closed_at=timezone.now(),
        close_reason=Case.CloseReason.RESOLVED,
        client=ClientFactory(nickname="かえで"),
    )
    CaseFactory(client=ClientFactory(nickname="すみれ"))  # someone else's
    client.force_login(counselor)

    response = client.get(reverse("cases:case_list"))

    assert response.status_code == 200
    body = response.content.decode()
    assert "あおい" in body
    assert "2030年5月1日" in body  # Japanese date format
    assert "かえで" not in body  # closed cases are hidden by default
    assert "すみれ" not in body
    response = client.get(reverse("cases:case_list"), {"status": "closed"})
    assert [c.pk for c in response.context["page"].object_list] == [closed.pk]


def test_caseload_filters_by_priority(client, counselor):
    high_client = ClientFactory()
    RiskFlag.objects.create(client=high_client, kind=RiskFlag.Kind.SUICIDAL, set_by=counselor)
    high = services.case_open(client=high_client, by=counselor)
    services.case_open(client=ClientFactory(), by=counselor)
    client.force_login(counselor)
    response = client.get(reverse("cases:case_list"), {"priority": Case.Priority.HIGH})
    assert [c.pk for c in response.context["page"].object_list] == [high.pk]
    # A bad filter value is ignored, not a 500.
    response = client.get(reverse("cases:case_list"), {"priority": "x", "status": "nope"})
    assert response.status_code == 200


def test_caseload_logs_the_access(client, counselor, case):
    client.force_login(counselor)
    client.get(reverse("cases:case_list"))
    log = AccessLog.objects.get(user=counselor)
    assert log.action == AccessLog.Action.LIST
    assert log.object_type == "cases.case"


@pytest.mark.parametrize("n", [1, 30])
def test_caseload_runs_a_fixed_number_of_queries(
    client, counselor, n, django_assert_max_num_queries
):
    for _ in range(n):
        case = services.case_open(client=ClientFactory(counselors=[counselor]), by=counselor)
        services.case_note_add(case=case, body="記録", by=counselor)
    client.force_login(counselor)
    # 1 session, 2 user, 3 user's roles, 4 count for the paginator, 5 the cases with client and
    # annotations (next action, next follow-up, last activity), 6 counselors of those cases,
    # 7 access log insert; 8 leaves room for the unread-notifications badge in the navigation.
    # +1 since two-step sign-in: the session's MFA device (django_otp's OTPMiddleware).
    with django_assert_max_num_queries(9):
        response = client.get(reverse("cases:case_list"))
    assert len(response.context["page"].object_list) == n


def test_caseload_paginates_at_fifty(client, supervisor):
    client_ = ClientFactory()
    for _ in range(51):
        CaseFactory(client=client_, opened_by=supervisor)
    client.force_login(supervisor)
    response = client.get(reverse("cases:case_list"))
    assert len(response.context["page"].object_list) == 50
    response = client.get(reverse("cases:case_list"), {"page": 2})
    assert len(response.context["page"].object_list) == 1


# --- opening -----------------------------------------------------------------------------


def test_open_a_case_from_a_consultation(client, counselor):
    her = ClientFactory(counselors=[counselor])
    consultation = ConsultationFactory(client=her, recorded_by=counselor)
    client.force_login(counselor)
    url = reverse("cases:case_open") + f"?client={her.pk}&consultation={consultation.pk}"

    response = client.get(url)
    assert response.status_code == 200
    assert AccessLog.objects.filter(object_type="cases.client", object_id=str(her.pk)).exists()

    response = client.post(url, {"title": "同行支援", "counselors": [counselor.pk]})

    case = Case.objects.get(client=her)
    assert response.status_code == 302
    assert response.url == _detail(case)
    consultation.refresh_from_db()
    assert consultation.case == case
    assert case.title == "同行支援"


def test_open_form_errors_rerender(client, counselor):
    her = ClientFactory(counselors=[counselor])
    client.force_login(counselor)
    response = client.post(reverse("cases:case_open") + f"?client={her.pk}", {"counselors": []})
    assert response.status_code == 400
    assert response.context["form"].errors["counselors"]
    assert not Case.objects.exists()


@pytest.mark.parametrize("query", ["", "?client=999999", "?client=abc"])
def test_open_with_a_bad_client_is_404(client, counselor, query):
    client.force_login(counselor)
    assert client.get(reverse("cases:case_open") + query).status_code == 404


def test_open_with_a_consultation_of_another_client_is_404(client, counselor):
    her = ClientFactory(counselors=[counselor])
    other = ConsultationFactory(client=ClientFactory(counselors=[counselor]))
    client.force_login(counselor)
    url = reverse("cases:case_open") + f"?client={her.pk}&consultation={other.pk}"
    assert client.get(url).status_code == 404


# --- the case page -----------------------------------------------------------------------


def test_case_page_shows_header_plan_timeline_and_follow_up_link(client, counselor, case):
    services.support_action_add(
        case=case,
        description="区役所に同行",
        owner=counselor,
        due_on=datetime.date(2030, 4, 6),
        by=counselor,
    )
    services.case_note_add(case=case, body="初回面談", by=counselor)
    client.force_login(counselor)

    response = client.get(_detail(case))

    assert response.status_code == 200
    body = response.content.decode()
    assert "ひまわり" in body
    assert "区役所に同行" in body and "2030年4月6日(土)" in body
    assert "初回面談" in body
    assert f"/followups/new/?client={case.client_id}&amp;case={case.pk}" in body
    log = AccessLog.objects.get(user=counselor, action=AccessLog.Action.VIEW)
    assert (log.object_type, log.object_id) == ("cases.case", str(case.pk))


def test_add_a_note(client, counselor, case):
    client.force_login(counselor)
    response = client.post(
        reverse("cases:case_note_add", kwargs={"pk": case.pk}), {"body": "電話で近況を確認"}
    )
    assert response.status_code == 302
    assert CaseNote.objects.get(case=case).body == "電話で近況を確認"


def test_a_blank_note_rerenders_with_the_error(client, counselor, case):
    client.force_login(counselor)
    response = client.post(reverse("cases:case_note_add", kwargs={"pk": case.pk}), {"body": ""})
    assert response.status_code == 400
    assert response.context["note_form"].errors["body"]
    assert 'aria-describedby="id_note_body_error"' in response.content.decode() or (
        "id_note_body" in response.content.decode()
    )
    # The re-rendered page shows her record: the access is logged.
    assert AccessLog.objects.filter(user=counselor, object_id=str(case.pk)).exists()


def test_correct_a_note_keeps_the_original(client, counselor, case):
    note = services.case_note_add(case=case, body="元の記録", by=counselor)
    client.force_login(counselor)
    url = reverse("cases:case_note_correct", kwargs={"pk": case.pk, "note_pk": note.pk})
    response = client.post(url, {"body": "訂正後の記録"})
    assert response.status_code == 302
    note.refresh_from_db()
    assert note.body == "元の記録"
    assert note.corrections.get().body == "訂正後の記録"
    body = client.get(_detail(case)).content.decode()
    assert "元の記録" in body and "訂正後の記録" in body


def test_correct_a_note_of_another_case_is_404(client, counselor, case):
    other = services.case_open(client=ClientFactory(counselors=[counselor]), by=counselor)
    note = services.case_note_add(case=other, body="記録", by=counselor)
    client.force_login(counselor)
    url = reverse("cases:case_note_correct", kwargs={"pk": case.pk, "note_pk": note.pk})
    assert client.post(url, {"body": "x"}).status_code == 404


def test_status_change_and_invalid_transition_message(client, counselor, case):
    client.force_login(counselor)
    url = reverse("cases:case_set_status", kwargs={"pk": case.pk})
    response = client.post(url, {"status": "on_hold"}, follow=True)  # open → on hold: refused
    assert response.status_code == 200
    assert any("保留" in m or "On hold" in m for m in _messages(response))
    case.refresh_from_db()
    assert case.status == Case.Status.OPEN

    client.post(url, {"status": "active", "note": "面談した"})
    case.refresh_from_db()
    assert case.status == Case.Status.ACTIVE

    response = client.post(url, {"status": "closed"})  # not offered by the form
    assert response.status_code == 400


def test_support_plan_forms(client, counselor, colleague, case):
    client.force_login(counselor)
    client.post(reverse("cases:support_goal_add", kwargs={"pk": case.pk}), {"text": "就労"})
    goal = case.goals.get()
    response = client.post(
        reverse("cases:support_action_add", kwargs={"pk": case.pk}),
        {
            "description": "ハローワークへ同行",
            "owner": colleague.pk,
            "due_on": "2030-01-10",
            "goal": goal.pk,
        },
    )
    assert response.status_code == 302
    action = case.actions.get()
    assert action.owner == colleague and action.goal == goal

    client.post(
        reverse("cases:support_action_complete", kwargs={"pk": case.pk, "action_pk": action.pk})
    )
    client.post(reverse("cases:support_goal_achieve", kwargs={"pk": case.pk, "goal_pk": goal.pk}))
    action.refresh_from_db()
    goal.refresh_from_db()
    assert action.done_by == counselor and goal.achieved_by == counselor

    # Done twice: a message, not an error page.
    response = client.post(
        reverse("cases:support_goal_achieve", kwargs={"pk": case.pk, "goal_pk": goal.pk})
    )
    assert response.status_code == 302


def test_support_action_refuses_bad_input(client, counselor, case):
    other = services.case_open(client=ClientFactory(counselors=[counselor]), by=counselor)
    foreign_goal = services.support_goal_add(case=other, text="他", by=counselor)
    client.force_login(counselor)
    response = client.post(
        reverse("cases:support_action_add", kwargs={"pk": case.pk}),
        {"description": "", "owner": 999999, "due_on": "not-a-date", "goal": foreign_goal.pk},
    )
    assert response.status_code == 400
    errors = response.context["action_form"].errors
    assert set(errors) == {"description", "owner", "due_on", "goal"}


def test_unknown_plan_items_are_404(client, counselor, case):
    client.force_login(counselor)
    for name, kw in [
        ("support_goal_achieve", "goal_pk"),
        ("support_action_complete", "action_pk"),
        ("case_note_correct", "note_pk"),
    ]:
        url = reverse(f"cases:{name}", kwargs={"pk": case.pk, kw: 999999})
        assert client.post(url, {"body": "x"}).status_code == 404
    assert client.get(reverse("cases:case_detail", kwargs={"pk": 999999})).status_code == 404


def test_assign_counselors(client, counselor, colleague, case):
    client.force_login(counselor)
    url = reverse("cases:case_assign", kwargs={"pk": case.pk})
    client.post(url, {"counselors": [counselor.pk, colleague.pk]})
    assert set(case.counselors.all()) == {counselor, colleague}
    assert client.post(url, {"counselors": []}).status_code == 400


def test_closing_journey(client, counselor, supervisor, case):
    client.force_login(counselor)
    response = client.post(
        reverse("cases:case_request_closure", kwargs={"pk": case.pk}),
        {"reason": "resolved", "note": "目標を達成"},
    )
    assert response.status_code == 302
    request = CaseClosureRequest.objects.get(case=case)
    # A second request while one is pending: a message.
    response = client.post(
        reverse("cases:case_request_closure", kwargs={"pk": case.pk}),
        {"reason": "resolved"},
        follow=True,
    )
    assert CaseClosureRequest.objects.filter(case=case).count() == 1
    assert _messages(response)

    client.force_login(supervisor)
    page = client.get(reverse("cases:closure_pending"))
    assert page.status_code == 200
    assert "ひまわり" in page.content.decode()
    detail = client.get(_detail(case)).content.decode()
    assert reverse("cases:closure_decide", kwargs={"request_pk": request.pk}) in detail

    decide = reverse("cases:closure_decide", kwargs={"request_pk": request.pk})
    response = client.post(decide, {"decision": "decline", "note": "", "next": "pending"})
    assert response.status_code == 400  # declining needs a reason
    response = client.post(decide, {"decision": "approve", "note": "", "next": "pending"})
    assert response.status_code == 302 and response.url == reverse("cases:closure_pending")
    case.refresh_from_db()
    assert case.status == Case.Status.CLOSED
    assert case.state_changes.filter(kind=CaseEvent.Kind.CLOSURE_APPROVED).exists()

    # Deciding again: a message, not a 500.
    response = client.post(decide, {"decision": "approve"}, follow=True)
    assert response.status_code == 200

    response = client.post(reverse("cases:case_reopen", kwargs={"pk": case.pk}), {"note": "再相談"})
    case.refresh_from_db()
    assert case.status == Case.Status.ACTIVE


def test_decide_an_unknown_request_is_404(client, supervisor):
    client.force_login(supervisor)
    url = reverse("cases:closure_decide", kwargs={"request_pk": 999999})
    assert client.post(url, {"decision": "approve"}).status_code == 404


@pytest.mark.parametrize("n", [1, 20])
def test_case_page_runs_a_fixed_number_of_queries(
    client, counselor, n, django_assert_max_num_queries
):
    case = case_with_history(counselor, n)
    services.case_request_closure(case=case, reason="resolved", note="", by=counselor)
    client.force_login(counselor)
    # 1 session, 2 user, 3 roles, 4 the case with client/opened_by/opened_from, 5 counselors,
    # 6 goals, 7 actions, 8 pending closing request; timeline: 9 consultations, 10 notes,
    # 11 goals, 12 actions, 13 events, 14 users named in events, 15 follow-ups, 16 the test
    # app's visits (tests/testapp registers a provider); form choices: 17 counselors (assign),
    # 18 staff (action owner), 19 open goals (action goal); 20 access log insert; 21 leaves
    # room for the unread-notifications badge.
    # +1 since two-step sign-in: the session's MFA device (django_otp's OTPMiddleware).
    # +2 for what is still open on the case, listed with the closing (core.registry
    # case_open_items): the follow-ups' query and the test app's.
    # +2 since the page shows the case first: the client's active risk flags (the lowest
    # priority that may be set by hand) and the case's open follow-ups in their own block.
    # +7 for the referrals app's registrations: its timeline provider (transitions,
    # accompaniments, meetings), its open items on closing (referrals, accompaniments) and
    # its section (the case's referrals, its accompaniments).
    # +4 for the timeline providers of activities (session registrations, expert bookings),
    # supplies (handouts) and LINE care (imminent-risk protocols), one query each.
    with django_assert_max_num_queries(37):
        response = client.get(_detail(case))
    assert response.status_code == 200
    assert len(response.context["timeline"]) >= 5 * n
