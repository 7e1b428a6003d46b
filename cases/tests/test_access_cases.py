"""Who may see and act on a case: every role against every case page and action.

The counselor is on the case; the colleague is a counselor who is not; coordinators, experts
and staff without a role see no case content (404); supervisors see everything.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessLog
from cases.models import Case, CaseClosureRequest, CaseNote
from cases.services import cases as services
from cases.tests.factories import ClientFactory

pytestmark = pytest.mark.django_db

PERSONAS = ["counselor", "colleague", "coordinator", "supervisor", "expert", "outsider"]


@pytest.fixture
def case(counselor):
    client = ClientFactory(counselors=[counselor], nickname="ひまわり")
    return services.case_open(client=client, by=counselor)


@pytest.fixture
def closed_case(counselor, supervisor):
    client = ClientFactory(counselors=[counselor])
    case = services.case_open(client=client, by=counselor)
    request = services.case_request_closure(case=case, reason="resolved", note="", by=counselor)
    services.case_approve_closure(request=request, by=supervisor)
    return case


def _as(client, request, persona):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    return user


# --- pages -------------------------------------------------------------------------------

DETAIL_EXPECTED = {
    "counselor": 200,
    "colleague": 404,
    "coordinator": 404,
    "supervisor": 200,
    "expert": 404,
    "outsider": 404,
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_case_detail_by_role(client, request, case, persona):
    user = _as(client, request, persona)
    response = client.get(reverse("cases:case_detail", kwargs={"pk": case.pk}))
    assert response.status_code == DETAIL_EXPECTED[persona]
    logged = AccessLog.objects.filter(user=user, object_type="cases.case", object_id=str(case.pk))
    assert logged.filter(action="view").exists() == (response.status_code == 200)
    # A refused look is one security event (on the case, or on the kind of page her role lacks).
    denied = AccessLog.objects.filter(user=user, action="denied").count()
    assert denied == (0 if response.status_code == 200 else 1)


@pytest.mark.parametrize(
    ("persona", "status", "sees_case"),
    [
        ("counselor", 200, True),
        ("colleague", 200, False),
        ("supervisor", 200, True),
        ("coordinator", 404, False),
        ("expert", 404, False),
        ("outsider", 404, False),
    ],
)
def test_case_list_by_role(client, request, case, persona, status, sees_case):
    user = _as(client, request, persona)
    response = client.get(reverse("cases:case_list"))
    assert response.status_code == status
    if status == 200:
        assert ("ひまわり" in response.content.decode()) is sees_case
        assert AccessLog.objects.filter(
            user=user, action=AccessLog.Action.LIST, object_type="cases.case"
        ).exists()


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("counselor", 200),
        ("colleague", 404),
        ("supervisor", 200),
        ("coordinator", 404),
        ("expert", 404),
        ("outsider", 404),
    ],
)
def test_open_page_by_role(client, request, counselor, persona, status):
    her = ClientFactory(counselors=[counselor])
    _as(client, request, persona)
    response = client.get(reverse("cases:case_open") + f"?client={her.pk}")
    assert response.status_code == status


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("counselor", 404),
        ("colleague", 404),
        ("supervisor", 200),
        ("coordinator", 404),
        ("expert", 404),
        ("outsider", 404),
    ],
)
def test_pending_closings_page_is_for_supervisors(client, request, case, persona, status):
    _as(client, request, persona)
    assert client.get(reverse("cases:closure_pending")).status_code == status


def test_a_colleague_on_the_clients_team_sees_the_case(client, counselor, colleague, case):
    case.client.counselors.add(colleague)
    client.force_login(colleague)
    assert client.get(reverse("cases:case_detail", kwargs={"pk": case.pk})).status_code == 200


@pytest.mark.parametrize("name", ["case_list", "closure_pending", "case_open", "case_detail"])
def test_anonymous_is_sent_to_login(client, case, name):
    kwargs = {"pk": case.pk} if name == "case_detail" else {}
    response = client.get(reverse(f"cases:{name}", kwargs=kwargs))
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


# --- actions -----------------------------------------------------------------------------


def _actions(case: Case) -> list[tuple[str, dict, dict]]:
    note = CaseNote.objects.create(case=case, author=case.opened_by, body="元の記録")
    goal = services.support_goal_add(case=case, text="目標", by=case.opened_by)
    action = services.support_action_add(
        case=case, description="行動", owner=case.opened_by, due_on=None, by=case.opened_by
    )
    return [
        ("case_note_add", {"pk": case.pk}, {"body": "記録"}),
        ("case_note_correct", {"pk": case.pk, "note_pk": note.pk}, {"body": "訂正"}),
        ("case_set_status", {"pk": case.pk}, {"status": "active"}),
        ("case_assign", {"pk": case.pk}, {"counselors": [case.opened_by.pk]}),
        ("support_goal_add", {"pk": case.pk}, {"text": "新しい目標"}),
        ("support_goal_achieve", {"pk": case.pk, "goal_pk": goal.pk}, {}),
        (
            "support_action_add",
            {"pk": case.pk},
            {"description": "同行", "owner": case.opened_by.pk},
        ),
        ("support_action_complete", {"pk": case.pk, "action_pk": action.pk}, {}),
        # The action added above is still open: she says she has seen it.
        ("case_request_closure", {"pk": case.pk}, {"reason": "resolved", "open_items_seen": "on"}),
    ]


ACTION_EXPECTED = {
    "counselor": 302,
    "colleague": 404,
    "coordinator": 404,
    "supervisor": 302,
    "expert": 404,
    "outsider": 404,
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_case_actions_by_role(client, request, case, persona):
    actions = _actions(case)
    notes_before = CaseNote.objects.count()
    events_before = case.state_changes.count()
    _as(client, request, persona)
    for name, kwargs, data in actions:
        response = client.post(reverse(f"cases:{name}", kwargs=kwargs), data)
        assert response.status_code == ACTION_EXPECTED[persona], name
    if ACTION_EXPECTED[persona] == 404:
        # Nothing was written by someone who may not see the case.
        assert CaseNote.objects.count() == notes_before
        assert case.state_changes.count() == events_before
    else:
        assert CaseNote.objects.count() == notes_before + 2


def test_actions_need_post(client, counselor, case):
    client.force_login(counselor)
    url = reverse("cases:case_note_add", kwargs={"pk": case.pk})
    assert client.get(url).status_code == 405


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("counselor", 404),  # she sees the case but may not decide: "not yours" is 404
        ("colleague", 404),
        ("coordinator", 404),
        ("supervisor", 302),
        ("expert", 404),
        ("outsider", 404),
    ],
)
def test_closing_decision_by_role(client, request, counselor, case, persona, status):
    closure = services.case_request_closure(case=case, reason="resolved", note="", by=counselor)
    _as(client, request, persona)
    url = reverse("cases:closure_decide", kwargs={"request_pk": closure.pk})
    response = client.post(url, {"decision": "approve"})
    assert response.status_code == status
    closure.refresh_from_db()
    expected = "approved" if status == 302 else CaseClosureRequest.State.PENDING
    assert closure.state == expected


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("counselor", 404),  # she sees the case but reopening is for supervisors
        ("colleague", 404),
        ("coordinator", 404),
        ("supervisor", 302),
        ("expert", 404),
        ("outsider", 404),
    ],
)
def test_reopen_by_role(client, request, closed_case, persona, status):
    _as(client, request, persona)
    url = reverse("cases:case_reopen", kwargs={"pk": closed_case.pk})
    assert client.post(url, {"note": "再相談"}).status_code == status
    closed_case.refresh_from_db()
    assert (closed_case.closed_at is None) == (status == 302)
    assert closed_case.closed_at is None or closed_case.closed_at <= timezone.now()
