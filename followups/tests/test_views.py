import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessLog
from cases.tests.factories import CaseFactory, ClientFactory
from followups.models import FollowUp
from followups.tests.factories import FollowUpFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def client_of(counselor):
    """A client assigned to `counselor` (so her colleague may not see her)."""
    return ClientFactory(nickname="たんぽぽ", counselors=[counselor])


def _local_input(dt: datetime.datetime) -> str:
    return timezone.localtime(dt).strftime("%Y-%m-%dT%H:%M")


# --- followups:mine -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("counselor", 200),
        ("supervisor", 200),
        ("colleague", 200),
        ("coordinator", 404),
        ("expert", 404),
        ("outsider", 404),
    ],
)
def test_mine_is_for_counselors_and_supervisors(client, request, persona, status):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("followups:mine")).status_code == status


def test_mine_requires_login(client):
    response = client.get(reverse("followups:mine"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_mine_lists_my_open_followups_overdue_first(client, counselor, client_of, colleague):
    now = timezone.now()
    later = FollowUpFactory(
        client=client_of, assignee=counselor, what="later", due_at=now + datetime.timedelta(days=3)
    )
    overdue = FollowUpFactory(
        client=client_of,
        assignee=counselor,
        what="overdue",
        due_at=now - datetime.timedelta(hours=1),
    )
    done = FollowUpFactory(client=client_of, assignee=counselor, what="done-one")
    FollowUp.objects.filter(pk=done.pk).update(state="done", done_at=now, done_by=counselor)
    FollowUpFactory(client=client_of, assignee=colleague, what="someone-else")

    client.force_login(counselor)
    response = client.get(reverse("followups:mine"))
    html = response.content.decode()
    assert html.index("overdue") < html.index("later")
    assert "期限超過" in html and "たんぽぽ" in html
    assert "done-one" not in html and "someone-else" not in html
    assert f'action="/followups/{overdue.pk}/complete/"' in html
    assert f'action="/followups/{later.pk}/reschedule/"' in html
    assert AccessLog.objects.filter(user=counselor, action="list").exists()


def test_mine_shows_due_times_the_japanese_way(client, counselor, client_of):
    jst = datetime.timezone(datetime.timedelta(hours=9))
    due = datetime.datetime(2031, 4, 6, 14, 30, tzinfo=jst)
    FollowUpFactory(client=client_of, assignee=counselor, due_at=due)
    client.force_login(counselor)
    assert "2031年4月6日(日) 14:30" in client.get(reverse("followups:mine")).content.decode()


@pytest.mark.parametrize(("rows", "shown"), [(1, 1), (30, 30), (120, 50)])
def test_mine_query_count_does_not_grow_with_rows(
    client, counselor, client_of, rows, shown, django_assert_max_num_queries
):
    case = CaseFactory(client=client_of, counselors=[counselor])
    FollowUpFactory.create_batch(rows, client=client_of, case=case, assignee=counselor)
    client.force_login(counselor)
    # session, user, user's roles, section counts (overdue / today / later, one aggregate, also
    # the page count), one page of follow-ups (with client, case, assignee), unread-notification
    # count (navigation badge), access-log insert
    # +1 since two-step sign-in: the session's MFA device (django_otp's OTPMiddleware).
    with django_assert_max_num_queries(8) as captured:
        response = client.get(reverse("followups:mine"))
    assert response.status_code == 200
    assert response.content.decode().count('data-followup="') == shown
    assert len(captured.captured_queries) == 8


def test_mine_pages_by_fifty_overdue_first_with_section_totals(client, counselor, client_of):
    now = timezone.now()
    overdue = [
        FollowUpFactory(
            client=client_of,
            assignee=counselor,
            what=f"overdue-{i}",
            due_at=now - datetime.timedelta(hours=60 - i),
        )
        for i in range(45)
    ]
    later = [
        FollowUpFactory(
            client=client_of,
            assignee=counselor,
            what=f"later-{i}",
            due_at=now + datetime.timedelta(days=2, hours=i),
        )
        for i in range(10)
    ]
    client.force_login(counselor)

    first = client.get(reverse("followups:mine")).content.decode()
    shown = [f'data-followup="{f.pk}"' for f in overdue + later[:5]]
    assert all(marker in first for marker in shown)
    assert first.index(f'data-followup="{overdue[-1].pk}"') < first.index(
        f'data-followup="{later[0].pk}"'
    )
    # Each section says how many it holds in all, not only on this page.
    assert 'id="section-overdue">期限超過 <span class="badge text-bg-secondary">45</span>' in first
    assert 'id="section-later">' in first and ">10</span>" in first
    assert "2ページ中1ページ目" in first and 'href="?page=2"' in first

    second = client.get(reverse("followups:mine"), {"page": 2}).content.decode()
    assert second.count('data-followup="') == 5
    assert all(f'data-followup="{f.pk}"' in second for f in later[5:])
    assert 'id="section-overdue"' not in second  # no overdue rows on this page
    # A page number past the end shows the last page rather than an error.
    assert client.get(reverse("followups:mine"), {"page": 99}).status_code == 200


# --- followups:create -------------------------------------------------------------------------


def _create_url(client_obj, case=None) -> str:
    url = reverse("followups:create") + f"?client={client_obj.pk}"
    return url + (f"&case={case.pk}" if case else "")


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("counselor", 200),
        ("supervisor", 200),
        ("colleague", 404),
        ("coordinator", 404),
        ("expert", 404),
        ("outsider", 404),
    ],
)
def test_create_page_is_for_who_may_see_the_client(client, request, client_of, persona, status):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(_create_url(client_of)).status_code == status


def test_create_page_404s_for_bad_or_foreign_ids(client, counselor, client_of):
    client.force_login(counselor)
    assert client.get(reverse("followups:create")).status_code == 404
    assert client.get(reverse("followups:create") + "?client=abc").status_code == 404
    other_case = CaseFactory(counselors=[counselor])
    assert client.get(_create_url(client_of, other_case)).status_code == 404


def test_counselor_creates_a_followup_for_her_client(client, counselor, client_of, supervisor):
    case = CaseFactory(client=client_of, counselors=[counselor])
    client.force_login(counselor)
    page = client.get(_create_url(client_of, case)).content.decode()
    assert 'type="datetime-local"' in page
    assert f'<option value="{counselor.pk}" selected>' in page
    assert f'value="{supervisor.pk}"' not in page  # not assigned to her

    due = timezone.now() + datetime.timedelta(days=1)
    response = client.post(
        _create_url(client_of, case),
        {"what": "区役所への同行", "due_at": _local_input(due), "assignee": counselor.pk},
    )
    assert response.status_code == 302
    fu = FollowUp.objects.get()
    assert (fu.client, fu.case, fu.assignee) == (client_of, case, counselor)
    assert fu.created_by == counselor
    assert abs((fu.due_at - due).total_seconds()) < 60  # the form read Asia/Tokyo


def test_create_form_reports_errors_in_japanese(client, counselor, client_of, colleague):
    client.force_login(counselor)
    response = client.post(
        _create_url(client_of),
        {"what": "", "due_at": "2001-01-01T09:00", "assignee": colleague.pk},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "このフィールドは必須です。" in html
    assert "期限が過ぎています" in html
    assert "正しく選択してください" in html  # colleague is not among the choices
    assert not FollowUp.objects.exists()


# --- detail and actions --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("counselor", 200),
        ("supervisor", 200),
        ("colleague", 404),
        ("coordinator", 404),
        ("expert", 404),
    ],
)
def test_detail_is_scoped_through_the_client(
    client, request, client_of, counselor, persona, status
):
    fu = FollowUpFactory(client=client_of, assignee=counselor)
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("followups:detail", args=[fu.pk])).status_code == status


@pytest.mark.parametrize("action", ["complete", "cancel", "reschedule"])
def test_a_colleague_cannot_act_on_followups_of_clients_she_cannot_see(
    client, colleague, counselor, client_of, action
):
    fu = FollowUpFactory(client=client_of, assignee=counselor)
    client.force_login(colleague)
    response = client.post(reverse(f"followups:{action}", args=[fu.pk]), {"due_at": ""})
    assert response.status_code == 404
    fu.refresh_from_db()
    assert fu.state == FollowUp.State.PENDING


def test_complete_cancel_reschedule_from_the_list(client, counselor, client_of):
    a, b, c = FollowUpFactory.create_batch(3, client=client_of, assignee=counselor)
    client.force_login(counselor)
    mine = reverse("followups:mine")

    assert client.post(reverse("followups:complete", args=[a.pk]), {"next": mine}).url == mine
    client.post(reverse("followups:cancel", args=[b.pk]), {"reason": "本人より連絡"})
    new_due = timezone.now() + datetime.timedelta(days=2)
    client.post(reverse("followups:reschedule", args=[c.pk]), {"due_at": _local_input(new_due)})

    for fu in (a, b, c):
        fu.refresh_from_db()
    assert (a.state, b.state, b.cancel_reason, c.state) == (
        "done",
        "cancelled",
        "本人より連絡",
        "pending",
    )
    assert abs((c.due_at - new_due).total_seconds()) < 60
    # A second "done" on a closed follow-up is refused with a message, not a 500.
    response = client.post(reverse("followups:complete", args=[a.pk]), follow=True)
    assert "既に完了または取消" in response.content.decode()


def test_reschedule_with_a_bad_time_re_renders_with_the_error(client, counselor, client_of):
    fu = FollowUpFactory(client=client_of, assignee=counselor)
    client.force_login(counselor)
    response = client.post(reverse("followups:reschedule", args=[fu.pk]), {"due_at": "soon"})
    assert response.status_code == 200
    assert "日時を正しく入力してください。" in response.content.decode()


def test_next_never_leaves_the_site(client, counselor, client_of):
    fu = FollowUpFactory(client=client_of, assignee=counselor)
    client.force_login(counselor)
    response = client.post(
        reverse("followups:complete", args=[fu.pk]), {"next": "https://evil.example/"}
    )
    assert response.url == reverse("followups:mine")
