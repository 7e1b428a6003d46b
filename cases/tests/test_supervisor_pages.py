"""The supervisor's overview pages: caseload per counselor and the risk board."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from audit.models import AccessLog
from cases.models import Case, CaseClosureRequest, RiskFlag
from cases.tests.factories import CaseFactory, ClientFactory, ConsultationFactory
from cases.tests.supervisor_helpers import counselor_with_load
from core.roles import Role
from followups.models import FollowUp

CASELOAD_URL = reverse("cases:caseload")
RISK_BOARD_URL = reverse("cases:risk_board")

# session, user, the user's roles (is_supervisor), the caseload (one query, subqueries per
# counselor), the summary block (one query), the access-log insert (inside a savepoint
# pair), plus a margin of 4 for what other apps add to every page (navigation badges).
CASELOAD_BUDGET = 12
# session, user, roles, the page's COUNT, the flags (client, setter, current case and last
# contact as subqueries), the shown cases, their counselors, the access-log insert (with its
# savepoints), plus a margin of 4 for what other apps add to every page.
RISK_BOARD_BUDGET = 14

pytestmark = pytest.mark.django_db


# --- who may see them -----------------------------------------------------------------------


@pytest.mark.parametrize("url", [CASELOAD_URL, RISK_BOARD_URL])
@pytest.mark.parametrize("persona", ["counselor", "coordinator", "expert", "outsider"])
def test_they_are_not_found_for_anyone_but_a_supervisor(client, request, persona, url):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(url).status_code == 404


def test_the_caseload_sends_anonymous_visitors_to_the_login_page(client):
    response = client.get(CASELOAD_URL)
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


# --- caseload per counselor -----------------------------------------------------------------


def test_the_caseload_counts_open_cases_overdue_followups_and_high_risk_clients(client, supervisor):
    busy = counselor_with_load("busy")
    idle = UserFactory(username="idle", display_name="待機中", roles=[Role.COUNSELOR])
    # A cleared high risk and an expired one do not count.
    other = ClientFactory(counselors=[busy])
    CaseFactory(client=other, opened_by=busy, counselors=[busy], status=Case.Status.ON_HOLD)
    RiskFlag.objects.create(
        client=other,
        kind=RiskFlag.Kind.DV_DANGER,
        set_by=busy,
        cleared_at=timezone.now(),
        cleared_by=busy,
    )
    RiskFlag.objects.create(
        client=other,
        kind=RiskFlag.Kind.NO_HOME,
        set_by=busy,
        set_at=timezone.now() - datetime.timedelta(days=3),
        expires_at=timezone.now() - datetime.timedelta(days=1),
    )
    # A follow-up done late is not overdue.
    FollowUp.objects.create(
        client=other,
        what="済み",
        due_at=timezone.now() - datetime.timedelta(days=1),
        assignee=busy,
        created_by=busy,
        state=FollowUp.State.DONE,
        done_at=timezone.now(),
        done_by=busy,
    )
    UserFactory(username="former", roles=[Role.COUNSELOR], is_active=False)

    client.force_login(supervisor)
    response = client.get(CASELOAD_URL)

    assert response.status_code == 200
    rows = {r.username: r for r in response.context["rows"]}
    assert set(rows) == {"busy", "idle"}  # inactive staff are not listed
    assert (rows["busy"].open_cases, rows["busy"].overdue_followups) == (2, 1)
    assert rows["busy"].high_risk_clients == 1
    assert (rows[idle.username].open_cases, rows["idle"].overdue_followups) == (0, 0)
    assert response.context["summary"]["overdue_followups"] == 1
    assert "待機中" in response.content.decode()


def test_the_caseload_shows_pending_closing_requests_in_the_summary(client, supervisor):
    busy = counselor_with_load("busy")
    case = Case.objects.filter(status=Case.Status.ACTIVE).get()
    CaseClosureRequest.objects.create(
        case=case, reason=Case.CloseReason.RESOLVED, requested_by=busy
    )
    client.force_login(supervisor)
    summary = client.get(CASELOAD_URL).context["summary"]
    assert (summary["open_cases"], summary["pending_closing_requests"]) == (1, 1)


def test_the_caseload_records_the_access(client, supervisor):
    client.force_login(supervisor)
    client.get(CASELOAD_URL)
    log = AccessLog.objects.get(user=supervisor)
    assert (log.action, log.object_type) == ("list", "cases.case")


def test_the_home_block_shows_the_numbers_to_supervisors_only(client, supervisor, counselor):
    counselor_with_load("busy")
    client.force_login(supervisor)
    html = client.get(reverse("home")).content.decode()
    assert reverse("cases:caseload") in html and reverse("cases:closure_pending") in html
    assert 'id="summary-open_cases"' in html
    client.force_login(counselor)
    assert reverse("cases:caseload") not in client.get(reverse("home")).content.decode()


# --- risk board -----------------------------------------------------------------------------


def test_the_risk_board_lists_flags_in_force_high_risks_first_with_case_and_last_contact(
    client, supervisor
):
    counselor = UserFactory(username="aoki", display_name="青木", roles=[Role.COUNSELOR])
    minor = ClientFactory(nickname="みー")
    RiskFlag.objects.create(client=minor, kind=RiskFlag.Kind.MINOR, set_by=counselor)
    danger = ClientFactory(nickname="はな")
    RiskFlag.objects.create(client=danger, kind=RiskFlag.Kind.DV_DANGER, set_by=counselor)
    case = CaseFactory(client=danger, opened_by=counselor, counselors=[counselor])
    contact = ConsultationFactory(client=danger, recorded_by=counselor)
    cleared = ClientFactory(nickname="きえた")
    RiskFlag.objects.create(
        client=cleared,
        kind=RiskFlag.Kind.SUICIDAL,
        set_by=counselor,
        cleared_at=timezone.now(),
        cleared_by=counselor,
    )
    expired = ClientFactory(nickname="きげんぎれ")
    RiskFlag.objects.create(
        client=expired,
        kind=RiskFlag.Kind.STALKING,
        set_by=counselor,
        set_at=timezone.now() - datetime.timedelta(days=2),
        expires_at=timezone.now() - datetime.timedelta(days=1),
    )

    client.force_login(supervisor)
    response = client.get(RISK_BOARD_URL)

    flags = list(response.context["page"].object_list)
    assert [f.client.nickname for f in flags] == ["はな", "みー"]
    assert flags[0].high and not flags[1].high
    assert flags[0].case == case
    assert flags[0].last_contact_at == contact.started_at
    assert flags[1].case is None
    body = response.content.decode()
    assert "青木" in body and "きえた" not in body and "きげんぎれ" not in body
    assert AccessLog.objects.filter(user=supervisor, object_type="cases.riskflag").exists()


def test_the_risk_board_prefers_the_open_case_over_an_older_closed_one(client, supervisor):
    counselor = UserFactory(roles=[Role.COUNSELOR])
    her = ClientFactory()
    RiskFlag.objects.create(client=her, kind=RiskFlag.Kind.NO_HOME, set_by=counselor)
    current = CaseFactory(client=her, opened_by=counselor)
    CaseFactory(
        client=her,
        opened_by=counselor,
        status=Case.Status.CLOSED,
        closed_at=timezone.now(),
        close_reason=Case.CloseReason.RESOLVED,
        opened_at=timezone.now() + datetime.timedelta(minutes=1),
    )
    client.force_login(supervisor)
    flag = client.get(RISK_BOARD_URL).context["page"].object_list[0]
    assert flag.case == current


def test_the_risk_board_filters_by_risk_kind(client, supervisor):
    counselor_with_load("busy")
    client.force_login(supervisor)
    response = client.get(RISK_BOARD_URL, {"kind": RiskFlag.Kind.MINOR})
    assert [f.kind for f in response.context["page"].object_list] == ["minor"]


def test_an_unknown_risk_kind_is_a_bad_request_with_the_reason(client, supervisor):
    client.force_login(supervisor)
    response = client.get(RISK_BOARD_URL, {"kind": "nonsense"})
    assert response.status_code == 400
    assert response.context["form"].errors["kind"]


# --- query budgets: the same whatever the number of counselors and clients -------------------


@pytest.fixture
def supervisor_with_team(client, supervisor):
    """The supervisor logged in, and a team of `n` counselors each with a full load."""

    def make(n: int) -> None:
        for i in range(n):
            counselor_with_load(f"c{i}")
        client.force_login(supervisor)

    return make


@pytest.mark.parametrize("counselors", [1, 30])
def test_the_caseload_queries_do_not_grow_with_counselors(
    client, supervisor_with_team, django_assert_max_num_queries, counselors
):
    supervisor_with_team(counselors)
    with django_assert_max_num_queries(CASELOAD_BUDGET):
        response = client.get(CASELOAD_URL)
    assert len(response.context["rows"]) == counselors


@pytest.mark.parametrize("counselors", [1, 30])
def test_the_risk_board_queries_do_not_grow_with_flagged_clients(
    client, supervisor_with_team, django_assert_max_num_queries, counselors
):
    supervisor_with_team(counselors)
    with django_assert_max_num_queries(RISK_BOARD_BUDGET):
        response = client.get(RISK_BOARD_URL)
    assert response.context["page"].paginator.count == 2 * counselors
