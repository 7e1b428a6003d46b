"""Break-glass (issue 7, point 4): a counselor opens a record outside her scope only by
stating a reason; the grant is logged, expires, and supervisors review the list."""

import datetime

import pytest
from django.db import connection
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessLog, BreakGlassAccess, SecurityEvent
from audit.services import break_glass_record
from cases.models import Client, RiskFlag
from cases.selectors import cases_visible_to, clients_visible_to, consultations_visible_to
from cases.tests.factories import CaseFactory, ClientFactory, ConsultationFactory
from core.bounds import REASON_MAX

REASON = "本人から電話、担当者不在のため過去の記録を確認"


@pytest.fixture
def her(counselor):
    client = ClientFactory(nickname="なでしこ", phone="09011112222")
    RiskFlag.objects.create(client=client, kind=RiskFlag.Kind.SUICIDAL, set_by=counselor)
    return client


def _url(client: Client) -> str:
    return reverse("cases:client_break_glass", args=[client.pk])


def test_the_form_shows_only_her_line(client, colleague, her):
    client.force_login(colleague)
    response = client.get(_url(her))
    assert response.status_code == 200
    html = response.content.decode()
    assert her.nickname in html and her.phone not in html
    assert str(RiskFlag.Kind.SUICIDAL.label) not in html
    log = AccessLog.objects.latest("id")
    assert (log.action, log.object_type, log.object_id) == (
        "view",
        "cases.intake_line",
        str(her.pk),
    )


@pytest.mark.parametrize("reason", ["", "   ", "x" * (REASON_MAX + 1)])
def test_a_missing_or_oversize_reason_is_refused(client, colleague, her, reason):
    client.force_login(colleague)
    response = client.post(_url(her), {"reason": reason})
    assert response.status_code == 400
    assert not BreakGlassAccess.objects.exists()
    assert not SecurityEvent.objects.filter(kind=SecurityEvent.Kind.BREAK_GLASS).exists()
    assert client.get(reverse("cases:client_detail", args=[her.pk])).status_code == 404


def test_the_refusal_is_said_in_japanese(client, colleague, her):
    colleague.language = "ja"
    colleague.save()
    client.force_login(colleague)
    response = client.post(_url(her), {"reason": ""}, HTTP_ACCEPT_LANGUAGE="ja")
    assert response.status_code == 400
    assert "is-invalid" in response.content.decode()


def test_a_reason_opens_the_record_and_everything_is_logged(client, colleague, her):
    consultation = ConsultationFactory(client=her, summary="相談の要約")
    her.counselors.clear()
    case = CaseFactory(client=her)
    client.force_login(colleague)
    response = client.post(_url(her), {"reason": f"  {REASON} "})
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:client_detail", args=[her.pk])

    grant = BreakGlassAccess.objects.get()
    assert (grant.user, grant.object_type, grant.object_id, grant.reason) == (
        colleague,
        "cases.client",
        str(her.pk),
        REASON,
    )
    assert grant.request_id
    minutes = (grant.expires_at - grant.at).total_seconds() / 60
    assert 59 <= minutes <= 61  # BREAK_GLASS_MINUTES
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.BREAK_GLASS)
    assert event.user == colleague and REASON not in event.detail

    page = client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="break-glass-banner"' in html
    assert timezone.localtime(grant.expires_at).strftime("%H:%M") in html
    assert her.phone in html  # the record itself now
    log = AccessLog.objects.latest("id")
    assert (log.user, log.action, log.object_type, log.object_id) == (
        colleague,
        "view",
        "cases.client",
        str(her.pk),
    )
    # Her consultations and cases come with her, for the grant's time.
    assert consultation in consultations_visible_to(colleague)
    assert case in cases_visible_to(colleague)
    assert (
        client.get(reverse("cases:consultation_detail", args=[consultation.pk])).status_code == 200
    )
    assert client.get(reverse("cases:case_detail", args=[case.pk])).status_code == 200


def test_an_expired_grant_opens_nothing(client, colleague, her):
    # Written directly with an expiry just past (the table refuses UPDATE, so a grant
    # cannot be aged afterwards); `at` is before it, as the constraint demands.
    grant = BreakGlassAccess.objects.create(
        user=colleague,
        object_type="cases.client",
        object_id=str(her.pk),
        reason=REASON,
        at=timezone.now() - datetime.timedelta(minutes=61),
        expires_at=timezone.now() - datetime.timedelta(seconds=1),
    )
    assert grant.pk
    assert her not in clients_visible_to(colleague)
    client.force_login(colleague)
    assert client.get(reverse("cases:client_detail", args=[her.pk])).status_code == 404


def test_a_grant_expires_with_the_clock(client, colleague, her):
    request = RequestFactory().get("/")
    request.user = colleague
    request.request_id = "test-request-1"
    soon = timezone.now() + datetime.timedelta(seconds=2)
    break_glass_record(
        request=request, object_type=Client, object_id=her.pk, reason=REASON, expires_at=soon
    )
    assert her in clients_visible_to(colleague)
    client.force_login(colleague)
    assert client.get(reverse("cases:client_detail", args=[her.pk])).status_code == 200
    # Just past the expiry: the same query no longer holds her.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_sleep(2.2)")
    assert her not in clients_visible_to(colleague)
    assert client.get(reverse("cases:client_detail", args=[her.pk])).status_code == 404


def test_a_grant_is_hers_alone(client, counselor, colleague, her):
    client.force_login(colleague)
    client.post(_url(her), {"reason": REASON})
    assert her in clients_visible_to(colleague)
    assert her not in clients_visible_to(counselor)


def test_the_grant_table_refuses_update(colleague, her):
    grant = BreakGlassAccess.objects.create(
        user=colleague,
        object_type="cases.client",
        object_id=str(her.pk),
        reason=REASON,
        expires_at=timezone.now() + datetime.timedelta(minutes=5),
    )
    with pytest.raises(Exception):  # noqa: B017, PT011 - the database trigger refuses it
        BreakGlassAccess.objects.filter(pk=grant.pk).update(expires_at=timezone.now())


def test_own_clients_and_supervisors_need_no_break_glass(client, counselor, supervisor, her):
    mine = ClientFactory(counselors=[counselor])
    client.force_login(counselor)
    response = client.get(_url(mine))
    assert response.status_code == 302 and response["Location"].endswith(f"/clients/{mine.pk}/")
    client.force_login(supervisor)
    response = client.get(_url(her))
    assert response.status_code == 302
    assert not BreakGlassAccess.objects.exists()


@pytest.mark.parametrize("persona", ["coordinator", "expert", "outsider"])
def test_other_roles_cannot_break_glass(request, client, her, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(_url(her)).status_code == 404
    assert client.post(_url(her), {"reason": REASON}).status_code == 404
    assert not BreakGlassAccess.objects.exists()


def test_a_merged_record_cannot_be_opened_by_break_glass(client, colleague, supervisor):
    kept = ClientFactory()
    merged = ClientFactory(status=Client.Status.MERGED, merged_into=kept)
    client.force_login(colleague)
    assert client.get(_url(merged)).status_code == 404


# --- the supervisors' list ---------------------------------------------------------------

LIST = reverse("cases:break_glass_list")


def test_supervisors_see_the_list(client, colleague, supervisor, her):
    client.force_login(colleague)
    client.post(_url(her), {"reason": REASON})
    client.force_login(supervisor)
    response = client.get(LIST)
    assert response.status_code == 200
    html = response.content.decode()
    assert REASON in html and f"No.{her.pk}" in html and colleague.username in html
    assert her.nickname not in html  # the number, not her name
    log = AccessLog.objects.latest("id")
    assert (log.action, log.object_type) == ("list", "audit.breakglassaccess")
    home = client.get(reverse("home")).content.decode()
    assert LIST in home


@pytest.mark.parametrize("persona", ["counselor", "colleague", "coordinator", "expert"])
def test_others_cannot_see_the_list(request, client, persona):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    assert client.get(LIST).status_code == 404
    assert AccessLog.objects.filter(user=user, action="denied").exists()


def test_the_list_filters_by_user_and_day(client, counselor, colleague, supervisor, her):
    other = ClientFactory()
    client.force_login(colleague)
    client.post(_url(her), {"reason": "理由A"})
    client.force_login(counselor)
    client.post(_url(other), {"reason": "理由B"})
    client.force_login(supervisor)

    def reasons(**params):
        return {a.reason for a in client.get(LIST, params).context["page"].object_list}

    assert reasons() == {"理由A", "理由B"}
    assert reasons(user=colleague.pk) == {"理由A"}
    today = timezone.localdate()
    assert reasons(day_from=today.isoformat(), day_to=today.isoformat()) == {"理由A", "理由B"}
    tomorrow = (today + datetime.timedelta(days=1)).isoformat()
    assert reasons(day_from=tomorrow) == set()


@pytest.mark.parametrize(
    "params",
    [
        {"user": "abc"},
        {"day_from": "2026-13-01"},
        {"day_from": "1999-01-01"},
        {"day_from": "2026-02-02", "day_to": "2026-02-01"},
    ],
)
def test_bad_filters_answer_400(client, supervisor, params):
    client.force_login(supervisor)
    assert client.get(LIST, params).status_code == 400


@pytest.mark.parametrize("rows", [1, 60])
def test_the_list_query_budget(client, colleague, supervisor, django_assert_max_num_queries, rows):
    request = RequestFactory().get("/")
    request.user = colleague
    request.request_id = "test-request-1"
    for _ in range(rows):
        target = ClientFactory()
        break_glass_record(
            request=request,
            object_type=Client,
            object_id=target.pk,
            reason=REASON,
            expires_at=timezone.now() + datetime.timedelta(minutes=60),
        )
    client.force_login(supervisor)
    # 1 session, 2 user, 3 MFA device, 4 roles, 5 count, 6 the page (+ who), 7 the counselor
    # choices of the filter, 8 unread-notification count, 9 access-log insert.
    with django_assert_max_num_queries(9):
        response = client.get(LIST)
    assert len(response.context["page"].object_list) == min(rows, 50)
