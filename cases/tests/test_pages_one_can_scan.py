"""Pages one can scan: the case page shows the case first and opens each form on demand, the
priority can be changed by hand within the risk rules, the case list marks what is late and
what awaits a supervisor, the supervisor's pages say what they show and lead into the app."""

from __future__ import annotations

import datetime
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from audit.models import AccessLog
from cases.models import Case, CaseClosureRequest, CaseEvent, RiskFlag, SupportAction
from cases.services import cases as services
from cases.services.clients import risk_flag_clear, risk_flag_set
from cases.tests.factories import CaseFactory, ClientFactory
from core.time import local_date
from followups.services import followup_complete
from followups.tests.factories import FollowUpFactory

pytestmark = pytest.mark.django_db


def _case(counselor, **kwargs) -> Case:
    return services.case_open(
        client=ClientFactory(counselors=[counselor], nickname="あおい"), by=counselor, **kwargs
    )


def _detail(case) -> str:
    return reverse("cases:case_detail", kwargs={"pk": case.pk})


def _open_details(html: str) -> list[str]:
    return re.findall(r'<details class="on-demand" id="([\w-]+)" open>', html)


# --- the case page: the case first, forms on demand --------------------------------------


def test_the_case_page_opens_no_form_until_asked(client, counselor):
    case = _case(counselor)
    client.force_login(counselor)
    html = client.get(_detail(case)).content.decode()
    for form in ("add-note", "add-goal", "add-action", "change-status", "change-counselors"):
        assert f'<details class="on-demand" id="{form}"' in html
    assert _open_details(html) == []


def test_a_form_sent_back_with_errors_stays_open(client, counselor):
    case = _case(counselor)
    client.force_login(counselor)
    response = client.post(reverse("cases:case_note_add", kwargs={"pk": case.pk}), {"body": ""})
    assert response.status_code == 400
    assert _open_details(response.content.decode()) == ["add-note"]


def test_the_case_page_lists_its_open_follow_ups_overdue_marked(client, counselor):
    case = _case(counselor)
    now = timezone.now()
    late = FollowUpFactory(
        client=case.client, case=case, assignee=counselor, what="遅れた電話", due_at=now
    )
    FollowUpFactory(
        client=case.client,
        case=case,
        assignee=counselor,
        what="来週の面談",
        due_at=now + datetime.timedelta(days=7),
    )
    followup_complete(
        followup=FollowUpFactory(
            client=case.client, case=case, assignee=counselor, what="済んだ件"
        ),
        by=counselor,
    )
    other = CaseFactory(client=case.client, counselors=[counselor])
    FollowUpFactory(client=case.client, case=other, assignee=counselor, what="別のケース")
    client.force_login(counselor)
    html = client.get(_detail(case)).content.decode()
    block = html[html.index('id="case-followups-heading"') :]
    block = block[: block.index("</section>")]
    assert "遅れた電話" in block and "来週の面談" in block and "別のケース" not in block
    assert block.count("data-case-followup=") == 2  # the open ones of this case
    late_row = block[block.index(f'data-case-followup="{late.pk}"') - 120 :]
    assert "list-group-item-danger" in late_row[:200] and "期限超過" in block


def test_past_due_plan_actions_are_marked_on_the_case_page(client, counselor):
    case = _case(counselor)
    SupportAction.objects.create(
        case=case,
        description="区役所へ同行",
        owner=counselor,
        due_on=local_date(timezone.now()) - datetime.timedelta(days=2),
        created_by=counselor,
    )
    client.force_login(counselor)
    html = client.get(_detail(case)).content.decode()
    assert 'class="table-danger" data-past-due' in html and "期限切れ" in html


# --- priority by hand, within the risk rules ---------------------------------------------


def test_a_counselor_raises_the_priority_and_it_is_recorded(counselor):
    case = _case(counselor)
    services.case_set_priority(
        case=case, priority=Case.Priority.HIGH, by=counselor, note="本人の不安が強い"
    )
    case.refresh_from_db()
    assert case.priority == Case.Priority.HIGH
    event = case.state_changes.get(kind=CaseEvent.Kind.PRIORITY_CHANGED)
    assert event.actor == counselor and event.note == "本人の不安が強い"
    assert (event.before, event.after) == ({"priority": 1}, {"priority": 3})


def test_the_priority_cannot_go_below_what_her_risk_flags_call_for(counselor):
    case = _case(counselor)
    risk_flag_set(client=case.client, kind=RiskFlag.Kind.SUICIDAL, by=counselor)
    case.refresh_from_db()
    assert case.priority == Case.Priority.HIGH
    events = case.state_changes.count()
    with pytest.raises(ValidationError) as refused:
        services.case_set_priority(case=case, priority=Case.Priority.NORMAL, by=counselor)
    assert "priority" in refused.value.message_dict
    case.refresh_from_db()
    assert case.priority == Case.Priority.HIGH
    assert case.state_changes.count() == events


def test_a_risk_flag_change_keeps_the_priority_she_set_by_hand(counselor):
    case = _case(counselor)
    services.case_set_priority(case=case, priority=Case.Priority.MEDIUM, by=counselor)
    # A flag that calls for less than her choice leaves it; one that calls for more raises it.
    other = risk_flag_set(client=case.client, kind=RiskFlag.Kind.MINOR, by=counselor)
    case.refresh_from_db()
    assert case.priority == Case.Priority.MEDIUM
    high = risk_flag_set(client=case.client, kind=RiskFlag.Kind.SUICIDAL, by=counselor)
    case.refresh_from_db()
    assert case.priority == Case.Priority.HIGH
    # Once the flags are cleared it returns to her choice, not to normal.
    risk_flag_clear(flag=high, by=counselor)
    risk_flag_clear(flag=other, by=counselor)
    case.refresh_from_db()
    assert case.priority == Case.Priority.MEDIUM


def test_choosing_the_flags_priority_by_hand_keeps_it_after_they_are_cleared(counselor):
    case = _case(counselor)
    flag = risk_flag_set(client=case.client, kind=RiskFlag.Kind.SUICIDAL, by=counselor)
    services.case_set_priority(case=case, priority=Case.Priority.HIGH, by=counselor)
    risk_flag_clear(flag=flag, by=counselor)
    case.refresh_from_db()
    assert case.priority == Case.Priority.HIGH


def test_without_a_choice_by_hand_the_priority_follows_the_flags_down(counselor):
    case = _case(counselor)
    flag = risk_flag_set(client=case.client, kind=RiskFlag.Kind.SUICIDAL, by=counselor)
    risk_flag_clear(flag=flag, by=counselor)
    case.refresh_from_db()
    assert case.priority == Case.Priority.NORMAL


def test_the_priority_of_a_closed_case_stays(counselor):
    case = CaseFactory(
        client=ClientFactory(counselors=[counselor]),
        counselors=[counselor],
        status=Case.Status.CLOSED,
        closed_at=timezone.now(),
        close_reason=Case.CloseReason.RESOLVED,
    )
    with pytest.raises(ValidationError):
        services.case_set_priority(case=case, priority=Case.Priority.HIGH, by=counselor)


def test_someone_who_cannot_see_the_case_cannot_set_its_priority(counselor, colleague):
    case = _case(counselor)
    with pytest.raises(PermissionDenied):
        services.case_set_priority(case=case, priority=Case.Priority.HIGH, by=colleague)
    case.refresh_from_db()
    assert case.priority == Case.Priority.NORMAL


def test_the_case_page_offers_only_the_priorities_allowed(client, counselor):
    case = _case(counselor)
    risk_flag_set(client=case.client, kind=RiskFlag.Kind.MINOR, by=counselor)  # medium floor
    client.force_login(counselor)
    html = client.get(_detail(case)).content.decode()
    offered = re.findall(r'name="priority" value="(\d)"', html)
    assert offered == ["3"]  # medium now; normal is below her flags


def test_changing_the_priority_through_the_page(client, counselor):
    case = _case(counselor)
    client.force_login(counselor)
    url = reverse("cases:case_set_priority", kwargs={"pk": case.pk})
    response = client.post(url, {"priority": "2", "note": ""}, follow=True)
    assert "優先度を変更しました" in response.content.decode()
    case.refresh_from_db()
    assert case.priority == Case.Priority.MEDIUM


@pytest.mark.parametrize("bad", ["", "9", "high", "1" * 50])
def test_a_bad_priority_is_sent_back_with_a_message(client, counselor, bad):
    case = _case(counselor)
    client.force_login(counselor)
    url = reverse("cases:case_set_priority", kwargs={"pk": case.pk})
    response = client.post(url, {"priority": bad})
    assert response.status_code == 400
    assert _open_details(response.content.decode()) == ["change-priority"]
    case.refresh_from_db()
    assert case.priority == Case.Priority.NORMAL


def test_a_priority_below_her_flags_is_refused_with_a_message(client, counselor):
    case = _case(counselor)
    risk_flag_set(client=case.client, kind=RiskFlag.Kind.DV_DANGER, by=counselor)
    client.force_login(counselor)
    url = reverse("cases:case_set_priority", kwargs={"pk": case.pk})
    response = client.post(url, {"priority": "1"}, follow=True)
    assert "リスクフラグ" in response.content.decode()
    case.refresh_from_db()
    assert case.priority == Case.Priority.HIGH


def test_a_colleague_cannot_reach_the_priority_of_a_case_she_cannot_see(
    client, counselor, colleague
):
    case = _case(counselor)
    client.force_login(colleague)
    url = reverse("cases:case_set_priority", kwargs={"pk": case.pk})
    assert client.post(url, {"priority": "3"}).status_code == 404


# --- the case list: what is late, what awaits a supervisor, whose cases -------------------


def test_the_case_list_marks_late_work_and_pending_closings(client, counselor):
    late = _case(counselor, title="遅れあり")
    SupportAction.objects.create(
        case=late,
        description="書類",
        owner=counselor,
        due_on=local_date(timezone.now()) - datetime.timedelta(days=1),
        created_by=counselor,
    )
    FollowUpFactory(
        client=late.client,
        case=late,
        assignee=counselor,
        due_at=timezone.now() - datetime.timedelta(hours=1),
    )
    closing = _case(counselor, title="終結申請中")
    services.case_request_closure(case=closing, reason="resolved", note="", by=counselor)
    fine = _case(counselor, title="順調")
    FollowUpFactory(client=fine.client, case=fine, assignee=counselor)
    client.force_login(counselor)
    html = client.get(reverse("cases:case_list")).content.decode()
    rows = {title: row for row in html.split("<tr>")[2:] for title in [_title(row)] if title}
    assert "data-past-due" in rows["遅れあり"] and "data-overdue" in rows["遅れあり"]
    assert "data-closure-pending" in rows["終結申請中"] and "終結承認待ち" in rows["終結申請中"]
    assert not {"data-past-due", "data-overdue", "data-closure-pending"} & _marks(rows["順調"])


def _title(row: str) -> str:
    found = re.search(r"#\d+ ([^<]+)</a>", row)
    return found.group(1) if found else ""


def _marks(row: str) -> set[str]:
    return set(re.findall(r"data-[\w-]+", row))


def test_the_supervisors_list_does_not_call_everyone_s_cases_hers(client, counselor, supervisor):
    _case(counselor)
    client.force_login(supervisor)
    html = client.get(reverse("cases:case_list")).content.decode()
    assert '<h1 class="h3 mb-3">すべてのケース</h1>' in html
    client.force_login(counselor)
    html = client.get(reverse("cases:case_list")).content.decode()
    assert '<h1 class="h3 mb-3">担当ケース</h1>' in html


def test_the_list_of_one_counselor_s_cases(client, counselor, colleague, supervisor):
    hers = _case(counselor, title="彼女のケース")
    services.case_open(client=ClientFactory(counselors=[colleague]), by=colleague, title="同僚")
    client.force_login(supervisor)
    url = f"{reverse('cases:case_list')}?counselor={counselor.pk}"
    response = client.get(url)
    html = response.content.decode()
    assert [c.pk for c in response.context["page"]] == [hers.pk]
    assert f"{counselor}の担当ケース" in html and 'name="counselor"' in html
    for bad in ("x", "-1", "9" * 30, ""):
        assert client.get(f"{reverse('cases:case_list')}?counselor={bad}").status_code == 200


def test_a_counselor_cannot_widen_her_list_with_another_counselor(client, counselor, colleague):
    services.case_open(client=ClientFactory(counselors=[colleague]), by=colleague)
    client.force_login(counselor)
    response = client.get(f"{reverse('cases:case_list')}?counselor={colleague.pk}")
    assert list(response.context["page"]) == []


def test_the_caseload_leads_to_the_app_s_case_list(client, counselor, supervisor):
    _case(counselor)
    client.force_login(supervisor)
    html = client.get(reverse("cases:caseload")).content.decode()
    assert f'href="{reverse("cases:case_list")}?counselor={counselor.pk}"' in html
    assert reverse("admin:cases_case_changelist") not in html


# --- the admin: the case filter's "closed" is 終結 ------------------------------------------


def test_the_admin_case_filter_says_closed_the_case_way(client, supervisor):
    client.force_login(supervisor)
    with translation.override("ja"):
        html = client.get(reverse("admin:cases_case_changelist")).content.decode()
    link = re.search(r'<a href="\?open=no"[^>]*>([^<]+)</a>', html)
    assert link is not None and link.group(1).strip() == "終結"


# --- home: what to do now ---------------------------------------------------------------


def test_the_supervisor_s_home_lists_closings_waiting_for_her(client, counselor, supervisor):
    case = _case(counselor)
    services.case_request_closure(case=case, reason="resolved", note="", by=counselor)
    client.force_login(supervisor)
    html = client.get("/").content.decode()
    waiting = html[html.index('id="approvals-waiting"') :]
    waiting = waiting[: waiting.index("</ul>")]
    request_pk = CaseClosureRequest.objects.get(case=case).pk
    assert f'data-approval="{request_pk}"' in waiting and _detail(case) in waiting
    assert "あおい" not in waiting  # case numbers and staff only: no client details


def test_the_counselor_s_home_names_cases_with_past_due_actions(client, counselor):
    case = _case(counselor)
    SupportAction.objects.create(
        case=case,
        description="書類",
        owner=counselor,
        due_on=local_date(timezone.now()) - datetime.timedelta(days=3),
        created_by=counselor,
    )
    _case(counselor)  # nothing late
    client.force_login(counselor)
    html = client.get("/").content.decode()
    line = html[html.index('id="my-past-due-actions"') :]
    line = line[: line.index("</p>")]
    assert line.count('href="/cases/') == 1 and _detail(case) in line
    assert not AccessLog.objects.filter(user=counselor).exists()
