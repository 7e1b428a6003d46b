"""One mechanism writes the access log: pages declare what they show, the middleware writes
the row for every response that shows it (re-rendered forms too), the admin's record pages
are declared by the site, and a refused attempt is a security event."""

from __future__ import annotations

import pytest
from django.urls import reverse

from audit.models import AccessLog
from cases.tests.factories import CaseFactory, ClientFactory

pytestmark = pytest.mark.django_db


def _rows(user) -> list[tuple[str, str, str]]:
    return list(
        AccessLog.objects.filter(user=user)
        .order_by("id")
        .values_list("action", "object_type", "object_id")
    )


# --- refused attempts ---------------------------------------------------------------------


def test_a_look_at_another_teams_client_is_one_denied_event_and_no_view(
    client, counselor, colleague
):
    other_team = ClientFactory(counselors=[colleague], created_by=colleague)
    client.force_login(counselor)

    response = client.get(
        reverse("cases:client_detail", args=[other_team.pk]),
        {"q": "山田花子"},
        REMOTE_ADDR="198.51.100.4",
        headers={"x-request-id": "probe-request-0001"},
    )

    assert response.status_code == 404
    row = AccessLog.objects.get(user=counselor)
    assert (row.action, row.object_type, row.object_id) == (
        "denied",
        "cases.client",
        str(other_team.pk),
    )
    # Her own request id is not believed (only the trusted proxy's would be): one made here.
    assert (row.ip, row.request_id) == ("198.51.100.4", response["X-Request-ID"])
    assert row.request_id != "probe-request-0001"
    # What she sent is not kept: only what she tried to open.
    stored = " ".join(str(v) for v in AccessLog.objects.values().get().values())
    assert "山田" not in stored and "花子" not in stored


def test_a_page_her_role_lacks_is_a_denied_event_naming_the_capability(client, counselor):
    client.force_login(counselor)

    assert client.get(reverse("openings:exception_create")).status_code == 404

    assert _rows(counselor) == [("denied", "openings.edit_calendar", "")]


def test_a_malformed_id_is_stored_short_and_printable(client, counselor):
    client.force_login(counselor)

    response = client.get(reverse("followups:create"), {"client": "1\x07" + "9" * 80})

    assert response.status_code == 404
    assert _rows(counselor) == [("denied", "cases.client", "1" + "9" * 39)]


# --- re-rendered forms --------------------------------------------------------------------


def test_a_case_form_sent_back_with_errors_writes_one_view_row(client, counselor):
    case = CaseFactory(opened_by=counselor, counselors=[counselor])
    client.force_login(counselor)

    response = client.post(reverse("cases:case_note_add", args=[case.pk]), {"body": ""})

    assert response.status_code == 400
    assert _rows(counselor) == [("view", "cases.case", str(case.pk))]


def test_the_open_case_form_sent_back_with_errors_writes_one_view_row(client, counselor):
    her = ClientFactory(counselors=[counselor], created_by=counselor)
    client.force_login(counselor)

    response = client.post(
        f"{reverse('cases:case_open')}?client={her.pk}", {"client": her.pk, "counselors": []}
    )

    assert response.status_code == 400
    assert _rows(counselor) == [("view", "cases.client", str(her.pk))]


def test_a_redirect_after_a_saved_form_writes_no_row(client, counselor):
    case = CaseFactory(opened_by=counselor, counselors=[counselor])
    client.force_login(counselor)

    response = client.post(reverse("cases:case_note_add", args=[case.pk]), {"body": "電話した"})

    assert response.status_code == 302
    assert _rows(counselor) == []


# --- the admin ----------------------------------------------------------------------------


def test_the_admin_history_page_writes_a_row_and_does_not_name_her(client, supervisor):
    her = ClientFactory(nickname="ひみつのはなこ")
    client.force_login(supervisor)

    response = client.get(reverse("admin:cases_client_history", args=[her.pk]))

    assert response.status_code == 200
    body = response.content.decode()
    assert "ひみつのはなこ" not in body
    assert f"No. {her.pk}" in body or f"No.{her.pk}" in body
    assert _rows(supervisor) == [("view", "cases.client", str(her.pk))]


def test_an_admin_search_is_logged_without_the_term(client, supervisor):
    ClientFactory(nickname="さくら")
    client.force_login(supervisor)

    response = client.get(reverse("admin:cases_client_changelist"), {"q": "さくら"})

    assert response.status_code == 200
    assert _rows(supervisor) == [("search", "cases.client", "")]


def test_the_admin_index_and_the_access_log_itself_write_no_row(client, supervisor):
    client.force_login(supervisor)

    assert client.get(reverse("admin:index")).status_code == 200
    assert client.get(reverse("admin:audit_accesslog_changelist")).status_code == 200

    assert _rows(supervisor) == []


def test_the_access_log_admin_filters_the_security_events(client, counselor, supervisor):
    client.force_login(counselor)
    client.get(reverse("cases:client_detail", args=[ClientFactory().pk + 1000]))
    client.force_login(supervisor)

    response = client.get(reverse("admin:audit_accesslog_changelist"), {"action": "denied"})

    assert response.status_code == 200
    shown = response.context["cl"].result_list
    assert [(r.user, r.action) for r in shown] == [(counselor, "denied")]
