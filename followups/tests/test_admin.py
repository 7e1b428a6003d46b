"""The supervisors' follow-up list in the admin: filters, the caseload page's link, read-only."""

from __future__ import annotations

import datetime
import html
import re
from urllib.parse import urlencode

import pghistory
import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import UserFactory
from audit.models import AccessLog
from cases.tests.factories import CaseFactory, ClientFactory
from core.roles import Role
from followups import services
from followups.models import FollowUp
from followups.tests.factories import FollowUpFactory

CHANGELIST = reverse("admin:followups_followup_changelist")
# 11 measured: session, user, the user's groups (the admin's supervisor check), the assignee
# filter's choices, the filtered COUNT (show_full_result_count is off), the user's and her
# groups' permissions (the sidebar lists other apps' models), the rows with client, case and
# assignee joined, the access-log INSERT, date_hierarchy's MIN/MAX and its date list; margin 2.
# +1 since two-step sign-in: the session's MFA device (django_otp's OTPMiddleware).
CHANGELIST_BUDGET = 14


def _at(**delta) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(**delta)


@pytest.fixture
def rows(counselor, colleague):
    """Her overdue pending and notified rows, her future and done rows, a colleague's overdue."""
    her_client = ClientFactory(nickname="ひまわり", counselors=[counselor])
    case = CaseFactory(client=her_client, opened_by=counselor, counselors=[counselor])
    return {
        "pending": FollowUpFactory(
            client=her_client,
            case=case,
            what="電話で近況を聞く",
            assignee=counselor,
            due_at=_at(hours=-3),
        ),
        "notified": FollowUpFactory(
            client=her_client,
            what="区役所の予約を確認",
            assignee=counselor,
            due_at=_at(hours=-1),
            state=FollowUp.State.NOTIFIED,
            notified_at=_at(hours=-1),
        ),
        "future": FollowUpFactory(
            client=her_client, what="同行の日程を決める", assignee=counselor, due_at=_at(days=2)
        ),
        "done": FollowUpFactory(
            client=her_client,
            what="書類を渡す",
            assignee=counselor,
            due_at=_at(days=-2),
            state=FollowUp.State.DONE,
            done_at=_at(days=-2),
            done_by=counselor,
        ),
        "colleague": FollowUpFactory(
            client=ClientFactory(nickname="すみれ"),
            what="面談の予約",
            assignee=colleague,
            due_at=_at(hours=-2),
        ),
    }


def _shown(response) -> set[str]:
    assert response.status_code == 200, response.get("Location")
    return {f.what for f in response.context["cl"].result_list}


@pytest.mark.django_db
def test_a_supervisor_filters_by_assignee_state_overdue_and_search(
    client, supervisor, counselor, rows
):
    client.force_login(supervisor)

    assert _shown(client.get(CHANGELIST)) == {f.what for f in rows.values()}
    assert _shown(client.get(CHANGELIST, {"overdue": "yes"})) == {
        "電話で近況を聞く",
        "区役所の予約を確認",
        "面談の予約",
    }
    assert _shown(client.get(CHANGELIST, {"overdue": "no"})) == {"同行の日程を決める", "書類を渡す"}
    assert _shown(client.get(CHANGELIST, {"assignee": counselor.pk, "overdue": "yes"})) == {
        "電話で近況を聞く",
        "区役所の予約を確認",
    }
    assert _shown(client.get(CHANGELIST, {"state__exact": "notified"})) == {"区役所の予約を確認"}
    assert _shown(client.get(CHANGELIST, {"q": "すみれ"})) == {"面談の予約"}
    assert _shown(client.get(CHANGELIST, {"q": "区役所"})) == {"区役所の予約を確認"}
    assert AccessLog.objects.filter(
        user=supervisor, action=AccessLog.Action.LIST, object_type="followups.followup"
    ).exists()


@pytest.mark.django_db
def test_the_changelist_shows_the_overdue_flag_and_offers_counselors_as_assignees(
    client, supervisor, counselor, rows
):
    client.force_login(supervisor)
    response = client.get(CHANGELIST, {"assignee": counselor.pk})
    body = response.content.decode()
    assert "ひまわり" in body and str(rows["pending"].case) in body
    # The overdue column: two open rows past due, the future and the done row are not.
    assert body.count('alt="True"') == 2
    assert body.count('alt="False"') == 2
    choices = {
        c["display"]
        for spec in response.context["cl"].filter_specs
        for c in spec.choices(response.context["cl"])
    }
    assert str(counselor) in choices and str(supervisor) in choices


@pytest.mark.django_db
def test_plain_field_lookups_keep_working(client, supervisor, counselor, rows):
    """`?state__in=pending,notified&due_at__lt=<iso>&assignee=<pk>`, as the caseload links."""
    client.force_login(supervisor)
    now = timezone.localtime(timezone.now())
    query = urlencode(
        {"state__in": "pending,notified", "due_at__lt": now.isoformat(), "assignee": counselor.pk}
    )
    assert "%2B09%3A00" in query  # the offset survives the URL

    response = client.get(f"{CHANGELIST}?{query}")

    assert _shown(response) == {"電話で近況を聞く", "区役所の予約を確認"}


@pytest.mark.django_db
def test_the_caseload_link_opens_that_counselors_overdue_follow_ups(
    client, supervisor, counselor, rows
):
    client.force_login(supervisor)
    page = client.get(reverse("cases:caseload")).content.decode()
    links = [
        html.unescape(href)
        for href in re.findall(r'href="([^"]*followups/followup/[^"]*)"', page)
        if f"assignee={counselor.pk}" in html.unescape(href)
    ]
    assert len(links) == 1

    response = client.get(links[0])

    assert _shown(response) == {"電話で近況を聞く", "区役所の予約を確認"}


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["counselor", "coordinator", "expert"])
def test_everyone_but_supervisors_is_sent_to_the_admin_login(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(CHANGELIST)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


@pytest.mark.django_db
def test_follow_ups_are_not_added_changed_or_deleted_in_the_admin(client, supervisor, rows):
    followup = rows["pending"]
    client.force_login(supervisor)
    change = reverse("admin:followups_followup_change", args=[followup.pk])

    assert client.get(reverse("admin:followups_followup_add")).status_code == 403
    assert (
        client.get(reverse("admin:followups_followup_delete", args=[followup.pk])).status_code
        == 403
    )
    page = client.get(change)
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert client.post(change, {"what": "書き換え"}).status_code == 403
    followup.refresh_from_db()
    assert followup.what == "電話で近況を聞く"
    assert AccessLog.objects.filter(
        user=supervisor, action=AccessLog.Action.VIEW, object_id=str(followup.pk)
    ).exists()


@pytest.mark.django_db
def test_the_change_page_shows_the_history_with_who_changed_what(
    client, supervisor, counselor, rows
):
    followup = rows["future"]
    with pghistory.context(user=counselor.pk):
        services.followup_reschedule(followup=followup, due_at=_at(days=3), by=counselor)
    client.force_login(supervisor)

    body = client.get(reverse("admin:followups_followup_change", args=[followup.pk])).content
    body = body.decode()

    # The history table, newest first, says in a sentence who changed it.
    history = body[body.index(f"{counselor}が変更しました。") :]
    assert f"{FollowUp._meta.get_field('revision').verbose_name}：1" in history


@pytest.mark.django_db
def test_changelist_queries_do_not_grow_with_rows(
    client, supervisor, counselor, django_assert_max_num_queries
):
    client.force_login(supervisor)
    query = {"assignee": counselor.pk, "overdue": "yes", "state__in": "pending,notified"}

    def count() -> int:
        with django_assert_max_num_queries(CHANGELIST_BUDGET) as captured:
            response = client.get(CHANGELIST, query)
        assert response.status_code == 200
        return len(captured.captured_queries)

    FollowUpFactory(assignee=counselor, due_at=_at(hours=-1))
    one = count()
    for i in range(29):
        client_ = ClientFactory(counselors=[counselor])
        FollowUpFactory(
            client=client_,
            case=CaseFactory(client=client_, opened_by=counselor) if i % 2 else None,
            assignee=counselor,
            due_at=_at(hours=-1, minutes=-i),
        )
    UserFactory(roles=[Role.COUNSELOR])  # one more name in the assignee filter

    thirty = count()

    assert len(client.get(CHANGELIST, query).context["cl"].result_list) == 30
    assert thirty == one
