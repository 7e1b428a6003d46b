"""The follow-up list item is one line with its actions in a menu; home lists what is due now."""

from __future__ import annotations

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from audit.models import AccessLog
from cases.tests.factories import CaseFactory, ClientFactory
from followups.models import FollowUp
from followups.tests.factories import FollowUpFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def her(counselor):
    return ClientFactory(counselors=[counselor], nickname="さくら")


def test_each_follow_up_keeps_its_actions_in_a_menu(client, counselor, her):
    followup = FollowUpFactory(client=her, assignee=counselor)
    client.force_login(counselor)
    html = client.get(reverse("followups:mine")).content.decode()
    item = html[html.index(f'data-followup="{followup.pk}"') :]
    item = item[: item.index("</li>")]
    menu = item[item.index('class="dropdown-menu') :]
    assert f'id="reschedule-{followup.pk}"' in menu
    # Cancelling is not a button in the menu but a link to the page that asks to confirm.
    cancel = reverse("followups:cancel", kwargs={"pk": followup.pk})
    assert f'href="{cancel}?next=' in menu
    assert f'action="{cancel}"' not in item
    assert 'data-bs-toggle="dropdown"' in item
    assert reverse("followups:complete", kwargs={"pk": followup.pk}) in item


def test_overdue_follow_ups_are_marked_in_the_list(client, counselor, her):
    late = FollowUpFactory(
        client=her, assignee=counselor, due_at=timezone.now() - datetime.timedelta(hours=3)
    )
    FollowUpFactory(client=her, assignee=counselor)
    client.force_login(counselor)
    html = client.get(reverse("followups:mine")).content.decode()
    items = re.findall(r'<li class="([^"]*)" data-followup="(\d+)"', html)
    marked = {int(pk) for classes, pk in items if "list-group-item-danger" in classes}
    assert marked == {late.pk} and "期限超過" in html


def test_the_home_page_lists_my_follow_ups_due_now(client, counselor, colleague, her):
    now = timezone.now()
    case = CaseFactory(client=her, counselors=[counselor])
    late = FollowUpFactory(
        client=her, case=case, assignee=counselor, what="折り返し電話", due_at=now
    )
    today = FollowUpFactory(
        client=her,
        assignee=counselor,
        what="書類の確認",
        due_at=now + datetime.timedelta(minutes=1),
    )
    FollowUpFactory(
        client=her, assignee=counselor, what="来月の件", due_at=now + datetime.timedelta(days=40)
    )
    FollowUpFactory(client=her, assignee=colleague, what="同僚の件", due_at=now)
    client.force_login(counselor)
    html = client.get("/").content.decode()
    block = html[html.index('id="my-followups-now"') :]
    block = block[: block.index("</ul>")]
    assert re.findall(r'data-home-followup="(\d+)"', block) == [str(late.pk), str(today.pk)]
    assert "折り返し電話" in block and "さくら" in block and "来月の件" not in block
    assert "同僚の件" not in block
    assert reverse("cases:case_detail", kwargs={"pk": case.pk}) in block
    # The home page now names her clients: it is recorded like any list of follow-ups.
    log = AccessLog.objects.get(user=counselor)
    assert (log.action, log.object_type) == (AccessLog.Action.LIST, "followups.followup")


def test_the_home_page_says_when_nothing_is_due_and_logs_nothing(client, counselor, her):
    FollowUpFactory(
        client=her, assignee=counselor, due_at=timezone.now() + datetime.timedelta(days=3)
    )
    client.force_login(counselor)
    html = client.get("/").content.decode()
    assert 'id="my-followups-now"' not in html and "今日が期限のフォローアップはありません" in html
    assert not AccessLog.objects.filter(user=counselor).exists()


def test_the_home_page_shows_ten_and_counts_the_rest(client, counselor, her):
    now = timezone.now()
    for minutes in range(12):
        FollowUpFactory(
            client=her, assignee=counselor, due_at=now - datetime.timedelta(minutes=minutes + 1)
        )
    client.force_login(counselor)
    html = client.get("/").content.decode()
    assert html.count("data-home-followup=") == 10 and "ほか2件" in html


def test_cancelling_asks_to_confirm_and_changes_nothing_until_confirmed(client, counselor, her):
    followup = FollowUpFactory(client=her, assignee=counselor, what="区役所に電話する")
    client.force_login(counselor)
    url = reverse("followups:cancel", kwargs={"pk": followup.pk})
    page = client.get(url, {"next": reverse("followups:mine")})
    assert page.status_code == 200
    html = page.content.decode()
    assert "区役所に電話する" in html and "取り消したフォローアップは元に戻せず" in html
    assert 'name="next" value="/followups/"' in html
    followup.refresh_from_db()
    assert followup.is_open

    done = client.post(url, {"reason": "本人から連絡があった", "next": "/followups/"})
    assert done.status_code == 302 and done["Location"] == "/followups/"
    followup.refresh_from_db()
    assert followup.state == FollowUp.State.CANCELLED
    assert followup.cancel_reason == "本人から連絡があった"

    again = client.get(url).content.decode()
    assert "このフォローアップはもう対応中ではありません" in again
    assert 'name="reason"' not in again


def test_a_too_long_reason_re_renders_the_confirmation_and_cancels_nothing(client, counselor, her):
    followup = FollowUpFactory(client=her, assignee=counselor)
    client.force_login(counselor)
    url = reverse("followups:cancel", kwargs={"pk": followup.pk})
    answer = client.post(url, {"reason": "長" * 201})
    assert answer.status_code == 400
    assert "200" in answer.content.decode()
    followup.refresh_from_db()
    assert followup.is_open
