"""The pages: the triage list and its test box (coordinators), the risk page of a conversation
and the protocol (counselors), each in a fixed number of queries."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from linecare.models import Protocol, RiskExpression
from linecare.services import protocols

pytestmark = pytest.mark.django_db


def test_the_test_box_shows_what_a_sample_would_match(client, coordinator):
    client.force_login(coordinator)
    url = reverse("linecare:expressions")
    response = client.post(url, {"test-sample": "夫に殴ら れて、もう死にたい"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "死にたい" in body and "殴られ" in body
    # Nothing was stored, and the sample is not in any URL.
    assert not RiskExpression.objects.filter(phrase__contains="夫").exists()


def test_coordinators_add_an_expression_and_a_bad_one_answers_400(client, coordinator):
    client.force_login(coordinator)
    url = reverse("linecare:expressions")
    response = client.post(
        url,
        {
            "add-category": "no_home",
            "add-kind": "match",
            "add-phrase": "とめてもらえない",
            "add-active": "on",
        },
    )
    assert response.status_code == 302
    assert RiskExpression.objects.get(phrase="とめてもらえない").phrase_key
    before = RiskExpression.objects.count()
    response = client.post(
        url, {"add-category": "no_home", "add-kind": "match", "add-phrase": "！？"}
    )
    assert response.status_code == 400 and RiskExpression.objects.count() == before
    response = client.post(
        url, {"add-category": "no_home", "add-kind": "match", "add-phrase": "トメテモラエナイ"}
    )
    assert response.status_code == 400  # the same expression as compared


def test_counselors_do_not_edit_the_list(client, counselor):
    client.force_login(counselor)
    assert client.get(reverse("linecare:expressions")).status_code == 404


def test_the_protocol_pages_from_open_to_confirmed(client, her_message, counselor, colleague):
    conversation = her_message("もう死にたい")
    client.force_login(counselor)
    page = reverse("linecare:conversation", kwargs={"conversation_pk": conversation.pk})
    response = client.get(page)
    assert response.status_code == 200 and "死にたい" in response.content.decode()
    open_url = reverse("linecare:protocol_open", kwargs={"conversation_pk": conversation.pk})
    assert client.post(open_url, {"wish_to_die": "yes"}).status_code == 400
    assert not Protocol.objects.exists()
    response = client.post(
        open_url,
        {
            "wish_to_die": "yes",
            "plan": "yes",
            "means": "no",
            "time_frame": "unknown",
            "alone": "yes",
        },
    )
    protocol = Protocol.objects.get()
    url = reverse("linecare:protocol", kwargs={"protocol_pk": protocol.pk})
    assert response.status_code == 302 and response.url == url
    called_at = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
    bad = {"to": "ambulance", "called_at": called_at, "called_by": counselor.pk}
    assert client.post(url, bad).status_code == 400  # no consent, no reason
    assert client.post(url, {**bad, "consent": "on"}).status_code == 302
    confirm = reverse("linecare:protocol_confirm", kwargs={"protocol_pk": protocol.pk})
    client.post(confirm)
    protocol.refresh_from_db()
    assert protocol.status == "open"  # not by the one who opened it
    client.force_login(colleague)
    client.post(confirm)
    protocol.refresh_from_db()
    assert protocol.status == "confirmed" and protocol.confirmed_by == colleague


@pytest.mark.parametrize("calls", [1, 6])
def test_the_pages_run_a_fixed_number_of_queries(
    client, her_message, counselor, calls, django_assert_max_num_queries
):
    conversation = None
    for i in range(calls):
        conversation = her_message(f"死にたい{i}")
    protocol = protocols.protocol_open(
        conversation=conversation, by=counselor, wish_to_die="yes", plan="no", means="no",
        time_frame="no", alone="yes",
    )  # fmt: skip
    for _ in range(calls):
        protocols.protocol_call_record(
            protocol=protocol, to="police", called_at=timezone.now(), called_by=counselor,
            consent=True, by=counselor,
        )  # fmt: skip
    client.force_login(counselor)
    # session, user, roles, the conversation, hits, protocols, access log, nav and messages.
    with django_assert_max_num_queries(14):
        assert (
            client.get(
                reverse("linecare:conversation", kwargs={"conversation_pk": conversation.pk})
            ).status_code
            == 200
        )
    # session, user, roles, the protocol, its calls, the form's staff list, access log, nav.
    with django_assert_max_num_queries(14):
        assert (
            client.get(
                reverse("linecare:protocol", kwargs={"protocol_pk": protocol.pk})
            ).status_code
            == 200
        )
