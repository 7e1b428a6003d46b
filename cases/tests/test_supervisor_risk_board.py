import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from accounts.tests.factories import UserFactory
from audit.models import AccessLog
from cases.models import Case, RiskFlag
from cases.tests.factories import CaseFactory, ClientFactory, ConsultationFactory
from cases.tests.supervisor_helpers import counselor_with_load

URL = reverse("cases:risk_board")

# session, user, roles, the page's COUNT, the flags (client, setter, current case and last
# contact as subqueries), the shown cases, their counselors, the access-log insert (with its
# savepoints), plus a margin of 4 for what other apps add to every page.
RISK_BOARD_BUDGET = 14


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["counselor", "coordinator", "expert", "outsider"])
def test_it_is_not_found_for_anyone_but_a_supervisor(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 404


@pytest.mark.django_db
def test_it_lists_flags_in_force_high_risks_first_with_case_and_last_contact(client, supervisor):
    counselor = UserFactory(username="aoki", display_name="青木", roles=[Role.COUNSELOR])
    minor = ClientFactory(nickname="みー")
    RiskFlag.objects.create(client=minor, kind=RiskFlag.Kind.MINOR, set_by=counselor)
    danger = ClientFactory(nickname="はな")
    RiskFlag.objects.create(client=danger, kind=RiskFlag.Kind.DV_DANGER, set_by=counselor)
    case = CaseFactory(client=danger, opened_by=counselor, counselors=[counselor])
    contact = ConsultationFactory(client=danger, recorded_by=counselor)
    cleared = ClientFactory(nickname="きえた")
    RiskFlag.objects.create(
        client=cleared, kind=RiskFlag.Kind.SUICIDAL, set_by=counselor, cleared_at=timezone.now()
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
    response = client.get(URL)

    flags = list(response.context["page"].object_list)
    assert [f.client.nickname for f in flags] == ["はな", "みー"]
    assert flags[0].high and not flags[1].high
    assert flags[0].case == case
    assert flags[0].last_contact_at == contact.started_at
    assert flags[1].case is None
    body = response.content.decode()
    assert "青木" in body and "きえた" not in body and "きげんぎれ" not in body
    assert AccessLog.objects.filter(user=supervisor, object_type="cases.riskflag").exists()


@pytest.mark.django_db
def test_it_prefers_the_open_case_over_an_older_closed_one(client, supervisor):
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
    flag = client.get(URL).context["page"].object_list[0]
    assert flag.case == current


@pytest.mark.django_db
def test_it_filters_by_risk_kind(client, supervisor):
    counselor_with_load("busy")
    client.force_login(supervisor)
    response = client.get(URL, {"kind": RiskFlag.Kind.MINOR})
    assert [f.kind for f in response.context["page"].object_list] == ["minor"]


@pytest.mark.django_db
def test_an_unknown_risk_kind_is_a_bad_request_with_the_reason(client, supervisor):
    client.force_login(supervisor)
    response = client.get(URL, {"kind": "nonsense"})
    assert response.status_code == 400
    assert response.context["form"].errors["kind"]


@pytest.mark.django_db
@pytest.mark.parametrize("counselors", [1, 30])
def test_its_queries_do_not_grow_with_flagged_clients(
    client, supervisor, django_assert_max_num_queries, counselors
):
    for i in range(counselors):
        counselor_with_load(f"c{i}")
    client.force_login(supervisor)
    with django_assert_max_num_queries(RISK_BOARD_BUDGET):
        response = client.get(URL)
    assert response.context["page"].paginator.count == 2 * counselors
