import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from accounts.tests.factories import UserFactory
from audit.models import AccessLog
from cases.models import Case, CaseClosureRequest, RiskFlag
from cases.tests.factories import CaseFactory, ClientFactory
from cases.tests.supervisor_helpers import counselor_with_load
from followups.models import FollowUp

URL = reverse("cases:caseload")

# session, user, the user's roles (is_supervisor), the caseload (one query, subqueries per
# counselor), the summary block (one query), the access-log insert (inside a savepoint
# pair), plus a margin of 4 for what other apps add to every page (navigation badges).
CASELOAD_BUDGET = 12


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["counselor", "coordinator", "expert", "outsider"])
def test_it_is_not_found_for_anyone_but_a_supervisor(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 404


@pytest.mark.django_db
def test_it_sends_anonymous_visitors_to_the_login_page(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


@pytest.mark.django_db
def test_it_counts_open_cases_overdue_followups_and_high_risk_clients(client, supervisor):
    busy = counselor_with_load("busy")
    idle = UserFactory(username="idle", display_name="待機中", roles=[Role.COUNSELOR])
    # A cleared high risk and an expired one do not count.
    other = ClientFactory(counselors=[busy])
    CaseFactory(client=other, opened_by=busy, counselors=[busy], status=Case.Status.ON_HOLD)
    RiskFlag.objects.create(
        client=other, kind=RiskFlag.Kind.DV_DANGER, set_by=busy, cleared_at=timezone.now()
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
    )
    UserFactory(username="former", roles=[Role.COUNSELOR], is_active=False)

    client.force_login(supervisor)
    response = client.get(URL)

    assert response.status_code == 200
    rows = {r.username: r for r in response.context["rows"]}
    assert set(rows) == {"busy", "idle"}  # inactive staff are not listed
    assert (rows["busy"].open_cases, rows["busy"].overdue_followups) == (2, 1)
    assert rows["busy"].high_risk_clients == 1
    assert (rows[idle.username].open_cases, rows["idle"].overdue_followups) == (0, 0)
    assert response.context["summary"].overdue_followups == 1
    assert "待機中" in response.content.decode()


@pytest.mark.django_db
def test_it_shows_pending_closing_requests_in_the_summary(client, supervisor):
    busy = counselor_with_load("busy")
    case = Case.objects.filter(status=Case.Status.ACTIVE).get()
    CaseClosureRequest.objects.create(
        case=case, reason=Case.CloseReason.RESOLVED, requested_by=busy
    )
    client.force_login(supervisor)
    summary = client.get(URL).context["summary"]
    assert (summary.open_cases, summary.pending_closing_requests) == (1, 1)


@pytest.mark.django_db
def test_it_records_the_access(client, supervisor):
    client.force_login(supervisor)
    client.get(URL)
    log = AccessLog.objects.get(user=supervisor)
    assert (log.action, log.object_type) == ("list", "cases.case")


@pytest.mark.django_db
@pytest.mark.parametrize("counselors", [1, 30])
def test_its_queries_do_not_grow_with_counselors(
    client, supervisor, django_assert_max_num_queries, counselors
):
    for i in range(counselors):
        counselor_with_load(f"c{i}")
    client.force_login(supervisor)
    with django_assert_max_num_queries(CASELOAD_BUDGET):
        response = client.get(URL)
    assert len(response.context["rows"]) == counselors


@pytest.mark.django_db
def test_the_home_block_shows_the_numbers_to_supervisors_only(rf, supervisor, counselor):
    from django.template import Context, Template

    counselor_with_load("busy")
    template = Template("{% load cases_supervisor %}{% supervisor_summary %}")
    request = rf.get("/")
    request.user = supervisor
    html = template.render(Context({"request": request}))
    assert reverse("cases:caseload") in html and reverse("cases:closure_pending") in html
    request.user = counselor
    assert reverse("cases:caseload") not in template.render(Context({"request": request}))
