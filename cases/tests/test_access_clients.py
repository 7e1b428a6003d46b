"""Who may open which client and consultation page: every persona against every page, both the
allowed and the refused, and the access log every allowed view leaves behind."""

import pytest
from django.urls import reverse

from audit.models import AccessLog
from cases.models import RiskFlag
from cases.tests.factories import ClientFactory, ConsultationFactory

PERSONAS = ["counselor", "colleague", "coordinator", "supervisor", "expert", "outsider"]


@pytest.fixture
def world(counselor):
    """A client assigned to `counselor`, with one consultation and one open risk flag."""
    client = ClientFactory(counselors=[counselor])
    consultation = ConsultationFactory(client=client, recorded_by=counselor)
    flag = RiskFlag.objects.create(client=client, kind=RiskFlag.Kind.MINOR, set_by=counselor)
    return {"client": client, "consultation": consultation, "flag": flag}


# page name -> (url builder, personas allowed, access-log (action, object type, id key))
CLIENT_ROLES = {"counselor", "supervisor"}
GET_PAGES = {
    "client_list": (lambda w: reverse("cases:client_list"), CLIENT_ROLES | {"colleague"}),
    "intake": (lambda w: reverse("cases:intake") + "?q=x", CLIENT_ROLES | {"colleague"}),
    "intake_new": (lambda w: reverse("cases:intake_new"), CLIENT_ROLES | {"colleague"}),
    "client_detail": (
        lambda w: reverse("cases:client_detail", args=[w["client"].pk]),
        CLIENT_ROLES,
    ),
    "client_edit": (lambda w: reverse("cases:client_edit", args=[w["client"].pk]), CLIENT_ROLES),
    "consultation_create": (
        lambda w: reverse("cases:consultation_create", args=[w["client"].pk]),
        CLIENT_ROLES,
    ),
    "consultation_detail": (
        lambda w: reverse("cases:consultation_detail", args=[w["consultation"].pk]),
        CLIENT_ROLES,
    ),
    "consultation_edit": (
        lambda w: reverse("cases:consultation_edit", args=[w["consultation"].pk]),
        CLIENT_ROLES,
    ),
    "client_merge": (
        lambda w: reverse("cases:client_merge", args=[w["client"].pk]),
        {"supervisor"},
    ),
}

# What each allowed GET writes to the access log: (action, object type, object id).
EXPECTED_LOG = {
    "client_list": lambda w: ("list", "cases.client", ""),
    "intake": lambda w: ("search", "cases.client", ""),
    "client_detail": lambda w: ("view", "cases.client", str(w["client"].pk)),
    "client_edit": lambda w: ("view", "cases.client", str(w["client"].pk)),
    "consultation_create": lambda w: ("view", "cases.client", str(w["client"].pk)),
    "consultation_detail": lambda w: ("view", "cases.consultation", str(w["consultation"].pk)),
    "consultation_edit": lambda w: ("view", "cases.consultation", str(w["consultation"].pk)),
    "client_merge": lambda w: ("view", "cases.client", str(w["client"].pk)),
}


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("page_name", sorted(GET_PAGES))
def test_get_pages_allow_and_deny(request, client, world, persona, page_name):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    url_for, allowed = GET_PAGES[page_name]
    before = AccessLog.objects.count()
    last_id = AccessLog.objects.order_by("-id").values_list("id", flat=True).first() or 0

    response = client.get(url_for(world))

    if persona in allowed:
        assert response.status_code == 200
        if page_name in EXPECTED_LOG:
            log = AccessLog.objects.latest("id")
            assert AccessLog.objects.count() == before + 1
            assert (log.user, (log.action, log.object_type, log.object_id)) == (
                user,
                EXPECTED_LOG[page_name](world),
            )
    else:
        assert response.status_code == 404
        # A refused view leaves no view row, only the security event of the attempt.
        new = AccessLog.objects.filter(id__gt=last_id)
        assert [(log.user, log.action) for log in new] == [(user, "denied")]


@pytest.mark.parametrize("page_name", sorted(GET_PAGES))
def test_anonymous_is_sent_to_login(client, world, page_name):
    url_for, _ = GET_PAGES[page_name]
    response = client.get(url_for(world))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_a_colleague_opens_neither_queued_nor_assigned_clients(client, colleague, counselor):
    # Least access (issue 7): the intake queue is no longer in every counselor's scope; she
    # sees a queued woman only as a line of the queue tab.
    queued = ClientFactory()
    mine = ClientFactory(counselors=[counselor])
    client.force_login(colleague)
    assert client.get(reverse("cases:client_detail", args=[queued.pk])).status_code == 404
    assert client.get(reverse("cases:client_detail", args=[mine.pk])).status_code == 404
    listing = client.get(reverse("cases:client_list")).content.decode()
    assert queued.nickname not in listing and mine.nickname not in listing
    queue = client.get(reverse("cases:client_list"), {"tab": "queue"}).content.decode()
    assert queued.nickname in queue and mine.nickname not in queue


@pytest.mark.parametrize("persona", PERSONAS)
def test_post_endpoints_allow_and_deny(request, client, world, persona):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    pk = world["client"].pk
    allowed = persona in CLIENT_ROLES
    responses = [
        client.post(reverse("cases:risk_flag_set", args=[pk]), {"kind": RiskFlag.Kind.PREGNANT}),
        client.post(reverse("cases:risk_flag_clear", args=[pk, world["flag"].pk])),
    ]
    for response in responses:
        assert response.status_code == (302 if allowed else 404)
    flags = RiskFlag.objects.filter(client=world["client"], cleared_at__isnull=True)
    expected = {RiskFlag.Kind.PREGNANT} if allowed else {RiskFlag.Kind.MINOR}
    assert set(flags.values_list("kind", flat=True)) == expected


@pytest.mark.parametrize("persona", PERSONAS)
def test_assigning_counselors_is_for_supervisors(request, client, world, persona, colleague):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    response = client.post(
        reverse("cases:client_assign", args=[world["client"].pk]), {"counselors": [colleague.pk]}
    )
    if persona == "supervisor":
        assert response.status_code == 302
        assert list(world["client"].counselors.all()) == [colleague]
    else:
        assert response.status_code == 404


def test_a_counselor_takes_on_a_queued_client(client, colleague, counselor):
    queued = ClientFactory()
    client.force_login(colleague)
    response = client.post(reverse("cases:client_assign", args=[queued.pk]), {"take_on": "1"})
    assert response.status_code == 302
    assert list(queued.counselors.all()) == [colleague]
    # Now hers: another counselor can neither see nor take her.
    client.force_login(counselor)
    response = client.post(reverse("cases:client_assign", args=[queued.pk]), {"take_on": "1"})
    assert response.status_code == 404


def test_every_client_view_is_decorated_with_logs_access():
    from cases.views import clients, consultations

    for view in (
        clients.client_list_view,
        clients.intake,
        clients.client_detail,
        clients.client_edit,
        clients.client_merge_view,
        consultations.consultation_create,
        consultations.consultation_detail,
        consultations.consultation_edit,
    ):
        assert hasattr(view, "access_log"), view.__name__
