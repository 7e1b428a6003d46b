import datetime

import pghistory
import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from audit.models import AccessLog
from cases.models import (
    Case,
    CaseEvent,
    CaseNote,
    Client,
    ClientMerge,
    Consultation,
    RiskFlag,
)
from cases.tests.factories import CaseFactory, ClientFactory, ConsultationFactory
from cases.tests.supervisor_helpers import counselor_with_load
from core.roles import Role
from followups.models import FollowUp

# session, user, roles, the page's COUNT (filtered count only: show_full_result_count is off),
# the rows (with list_select_related), the counselor filter's choices, prefetched case
# counselors, the access-log insert with its savepoints, date_hierarchy's date range, plus a
# margin of 3.
CHANGELIST_BUDGET = 15


def _objects(counselor):
    client = ClientFactory(created_by=counselor, counselors=[counselor])
    consultation = ConsultationFactory(client=client, recorded_by=counselor)
    case = CaseFactory(client=client, opened_by=counselor, counselors=[counselor])
    flag = RiskFlag.objects.create(client=client, kind=RiskFlag.Kind.MINOR, set_by=counselor)
    note = CaseNote.objects.create(case=case, author=counselor, body="面談した")
    event = CaseEvent.objects.create(case=case, kind=CaseEvent.Kind.OPENED, actor=counselor)
    duplicate = ClientFactory(created_by=counselor, status=Client.Status.MERGED, merged_into=client)
    merge = ClientMerge.objects.create(kept=client, merged=duplicate, merged_by=counselor)
    return {
        Client: client,
        Consultation: consultation,
        Case: case,
        RiskFlag: flag,
        CaseNote: note,
        CaseEvent: event,
        ClientMerge: merge,
    }


MODELS = [Client, Consultation, Case, RiskFlag, CaseNote, CaseEvent, ClientMerge]


def _url(model, view, *args):
    return reverse(f"admin:cases_{model._meta.model_name}_{view}", args=args)


@pytest.mark.django_db
@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_a_supervisor_sees_each_list_and_record_but_cannot_add_or_delete(
    client, supervisor, counselor, model
):
    obj = _objects(counselor)[model]
    client.force_login(supervisor)

    assert client.get(_url(model, "changelist")).status_code == 200
    assert client.get(_url(model, "change", obj.pk)).status_code == 200
    assert client.get(_url(model, "add")).status_code == 403
    assert client.get(_url(model, "delete", obj.pk)).status_code == 403
    assert AccessLog.objects.filter(user=supervisor, action="view", object_id=str(obj.pk)).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["counselor", "coordinator", "expert"])
def test_the_admin_is_closed_to_everyone_but_supervisors(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(_url(Client, "changelist"))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


@pytest.mark.django_db
def test_state_fields_are_read_only_and_descriptive_fields_editable(rf, supervisor):
    request = rf.get("/")
    request.user = supervisor
    client_admin = admin.site._registry[Client]
    readonly = client_admin.get_readonly_fields(request)
    assert "status" in readonly and "consent_scope" in readonly and "history" in readonly
    assert "nickname" not in readonly and "ward" not in readonly
    case_admin = admin.site._registry[Case]
    assert {"status", "priority", "closed_at"} <= set(case_admin.get_readonly_fields(request))
    assert not admin.site._registry[CaseNote].has_change_permission(request)
    assert not admin.site._registry[CaseEvent].has_change_permission(request)


@pytest.mark.django_db
def test_follow_ups_are_registered_once_by_their_own_app():
    assert admin.site.is_registered(FollowUp)
    assert type(admin.site._registry[FollowUp]).__module__ == "followups.admin"


@pytest.mark.django_db
def test_the_change_page_shows_the_history_of_the_record(client, supervisor, counselor):
    her = ClientFactory(nickname="はな", created_by=counselor)
    with pghistory.context(user=supervisor.pk):
        Client.objects.filter(pk=her.pk).update(nickname="はなこ")
    client.force_login(supervisor)
    body = client.get(_url(Client, "change", her.pk)).content.decode()
    # The history table, newest first, says in a sentence who changed it.
    history = body[body.index(f"{supervisor}が変更しました。") :]
    assert "はなこ" in history
    assert ">update<" not in body


@pytest.mark.django_db
def test_the_risk_filter_finds_clients_with_a_high_risk_in_force(client, supervisor, counselor):
    high = ClientFactory(nickname="たかい")
    RiskFlag.objects.create(client=high, kind=RiskFlag.Kind.SUICIDAL, set_by=counselor)
    cleared = ClientFactory(nickname="きえた")
    RiskFlag.objects.create(
        client=cleared,
        kind=RiskFlag.Kind.SUICIDAL,
        set_by=counselor,
        cleared_at=timezone.now(),
        cleared_by=counselor,
    )
    low = ClientFactory(nickname="ひくい")
    RiskFlag.objects.create(client=low, kind=RiskFlag.Kind.MINOR, set_by=counselor)
    client.force_login(supervisor)

    shown = client.get(_url(Client, "changelist"), {"risk": "high"}).context["cl"].result_list
    assert [c.nickname for c in shown] == ["たかい"]
    shown = client.get(_url(Client, "changelist"), {"risk": "yes"}).context["cl"].result_list
    assert {c.nickname for c in shown} == {"たかい", "ひくい"}


@pytest.mark.django_db
def test_case_filters_by_counselor_open_and_overdue(client, supervisor):
    busy = counselor_with_load("busy")
    other = UserFactory(roles=[Role.COUNSELOR])
    calm = CaseFactory(opened_by=other, counselors=[other])
    FollowUp.objects.create(
        client=calm.client,
        case=calm,
        what="先の予定",
        due_at=timezone.now() + datetime.timedelta(days=1),
        assignee=other,
        created_by=other,
    )
    client.force_login(supervisor)
    url = _url(Case, "changelist")

    mine = client.get(url, {"counselor": busy.pk, "open": "yes"}).context["cl"].result_list
    assert [c.status for c in mine] == [Case.Status.ACTIVE]
    overdue = client.get(url, {"overdue": "yes"}).context["cl"].result_list
    assert [c.counselors.get() for c in overdue] == [busy]


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [1, 30])
@pytest.mark.parametrize("model", [Client, Case, Consultation, RiskFlag], ids=lambda m: m.__name__)
def test_changelist_queries_do_not_grow_with_rows(
    client, supervisor, django_assert_max_num_queries, rows, model
):
    for i in range(rows):
        counselor_with_load(f"c{i}")
    client.force_login(supervisor)
    with django_assert_max_num_queries(CHANGELIST_BUDGET):
        response = client.get(_url(model, "changelist"))
    assert response.status_code == 200


# --- searching the admin as the app searches ------------------------------------------------


def _found(client, url: str, q: str) -> set[int]:
    answer = client.get(url, {"q": q})
    assert answer.status_code == 200
    return {obj.pk for obj in answer.context["cl"].result_list}


def test_admin_searches_find_her_nickname_by_search_key(client, supervisor, counselor):
    sumire = ClientFactory(nickname="すみれ", counselors=[counselor], phone="09012345678")
    other = ClientFactory(nickname="さくら", counselors=[counselor])
    case = CaseFactory(client=sumire, counselors=[counselor], title="住まい")
    other_case = CaseFactory(client=other, counselors=[counselor], title="仕事")
    consultation = ConsultationFactory(client=sumire, recorded_by=counselor)
    ConsultationFactory(client=other, recorded_by=counselor)
    followup = FollowUp.objects.create(
        client=sumire,
        case=case,
        assignee=counselor,
        created_by=counselor,
        what="電話する",
        due_at=timezone.now() + datetime.timedelta(days=1),
    )
    client.force_login(supervisor)

    clients = reverse("admin:cases_client_changelist")
    assert _found(client, clients, "スミレ") == {sumire.pk}
    assert _found(client, clients, "ｽﾐﾚ") == {sumire.pk}
    assert _found(client, clients, "090-1234") == {sumire.pk}
    assert _found(client, reverse("admin:cases_case_changelist"), "スミ") == {case.pk}
    assert _found(client, reverse("admin:cases_case_changelist"), "仕事") == {other_case.pk}
    assert _found(client, reverse("admin:cases_consultation_changelist"), "スミレ") == {
        consultation.pk
    }
    assert _found(client, reverse("admin:followups_followup_changelist"), "スミレ") == {followup.pk}
    # The search term itself is not kept in the access log (it is often her name).
    assert not AccessLog.objects.filter(object_id__contains="スミレ").exists()
