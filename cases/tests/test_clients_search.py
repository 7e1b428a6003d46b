import datetime

from django.utils import timezone

from cases.models import Case, Client
from cases.selectors.clients import client_list, client_search, intake_queue
from cases.services.clients import client_merge
from cases.tests.factories import CaseFactory, ClientFactory, ConsultationFactory

LINE_ID = "U" + "b" * 32


def test_search_matches_nickname_fragment_line_id_and_phone(counselor):
    hana = ClientFactory(nickname="はなこ", counselors=[counselor])
    line = ClientFactory(nickname="Mika", line_user_id=LINE_ID, counselors=[counselor])
    phone = ClientFactory(nickname="ゆり", phone="09012345678", counselors=[counselor])

    assert list(client_search(counselor, "はな")) == [hana]
    assert list(client_search(counselor, "mik")) == [line]  # case-insensitive
    assert list(client_search(counselor, LINE_ID)) == [line]
    assert list(client_search(counselor, LINE_ID[:10])) == []  # the LINE id must match exactly
    assert list(client_search(counselor, "1234-56")) == [phone]
    assert list(client_search(counselor, "")) == []
    assert list(client_search(counselor, "%")) == []  # LIKE wildcards are literal


def test_search_is_scoped_to_what_the_user_may_see(counselor, colleague, supervisor, coordinator):
    mine = ClientFactory(nickname="すずらん", counselors=[counselor])
    queued = ClientFactory(nickname="すずらん2")
    # The queue is outside a counselor's scope (intake_search shows it as minimal lines).
    assert set(client_search(colleague, "すずらん")) == set()
    assert set(client_search(counselor, "すずらん")) == {mine}
    assert set(client_search(supervisor, "すずらん")) == {mine, queued}
    assert list(client_search(coordinator, "すずらん")) == []


def test_search_leaves_out_merged_clients(supervisor):
    kept = ClientFactory(nickname="つばき")
    merged = ClientFactory(nickname="つばき（重複）")
    client_merge(kept=kept, merged=merged, by=supervisor)
    assert list(client_search(supervisor, "つばき")) == [kept]


def test_search_carries_last_consultation_and_open_cases(counselor):
    client = ClientFactory(nickname="あおい", counselors=[counselor])
    latest = timezone.now() - datetime.timedelta(hours=1)
    ConsultationFactory(client=client, started_at=latest - datetime.timedelta(days=3))
    ConsultationFactory(client=client, started_at=latest)
    CaseFactory(client=client)
    CaseFactory(
        client=client,
        status=Case.Status.CLOSED,
        closed_at=timezone.now(),
        close_reason=Case.CloseReason.RESOLVED,
    )
    [found] = client_search(counselor, "あおい")
    assert found.last_contact_at == latest
    assert found.open_case_count == 1


def test_search_returns_at_most_fifty(supervisor, django_assert_num_queries):
    ClientFactory.create_batch(55, nickname="かえで")
    # One query: the clients with their last consultation and open-case count as subqueries
    # (the supervisor's roles are read once before).
    supervisor.role_codes  # noqa: B018
    with django_assert_num_queries(1):
        results = list(client_search(supervisor, "かえで"))
    assert len(results) == 50


def test_client_list_filters(counselor):
    a = ClientFactory(nickname="A", ward="271021", counselors=[counselor])
    b = ClientFactory(nickname="B", ward="271039")
    inactive = ClientFactory(nickname="C", status=Client.Status.INACTIVE, counselors=[counselor])
    assert set(client_list(counselor)) == {a, inactive}  # b is queued, not hers
    assert list(client_list(counselor, ward="271021")) == [a]
    assert [c.pk for c in intake_queue(counselor)] == [b.pk]
    assert list(client_list(counselor, status=Client.Status.INACTIVE)) == [inactive]
