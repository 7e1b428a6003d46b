"""Closing a case with a follow-up and a support action still open: the request and the
approval list them, and the approval cancels them or hands them over, with the reason."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from playwright.sync_api import expect

from cases.models import Case
from cases.services import cases as services
from cases.tests.factories import ClientFactory
from conftest import csp_violations, screenshot, watch_page
from core import registry
from followups.models import FollowUp
from followups.selectors import followups_open_for_assignee
from followups.services import followup_create


def _case_with_open_items(counselor):
    her = ClientFactory(counselors=[counselor], nickname="すみれ")
    case = services.case_open(client=her, by=counselor)
    services.support_action_add(
        case=case, description="住居の申請に同行", owner=counselor, due_on=None, by=counselor
    )
    followup = followup_create(
        client=her,
        case=case,
        what="面談の日程を電話で確認",
        due_at=timezone.now() + datetime.timedelta(days=2),
        assignee=counselor,
        by=counselor,
    )
    return case, followup


@pytest.mark.django_db
def test_a_closing_request_must_acknowledge_the_open_items(counselor):
    case, _followup = _case_with_open_items(counselor)
    with pytest.raises(ValidationError) as refused:
        services.case_request_closure(case=case, reason="resolved", note="", by=counselor)
    assert "open_items_seen" in refused.value.message_dict
    request = services.case_request_closure(
        case=case, reason="resolved", note="", by=counselor, open_items_seen=True
    )
    assert case.state_changes.get(kind="closure_requested").after["open_items"] == 2
    assert request.state == "pending"


@pytest.mark.django_db
def test_approval_needs_a_decision_and_a_reason_and_changes_nothing_without(counselor, supervisor):
    case, followup = _case_with_open_items(counselor)
    request = services.case_request_closure(
        case=case, reason="resolved", note="", by=counselor, open_items_seen=True
    )
    with pytest.raises(ValidationError) as refused:
        services.case_approve_closure(request=request, by=supervisor)
    assert {"open_items", "open_items_reason"} <= set(refused.value.message_dict)
    case.refresh_from_db()
    followup.refresh_from_db()
    assert case.status != Case.Status.CLOSED and followup.state == FollowUp.State.PENDING


@pytest.mark.django_db
def test_approval_cancels_the_open_follow_up_with_the_reason(counselor, supervisor):
    case, followup = _case_with_open_items(counselor)
    request = services.case_request_closure(
        case=case, reason="resolved", note="", by=counselor, open_items_seen=True
    )
    services.case_approve_closure(
        request=request,
        by=supervisor,
        open_items=registry.SETTLE_CANCEL,
        open_items_reason="本人の希望で終結",
    )
    followup.refresh_from_db()
    assert followup.state == FollowUp.State.CANCELLED
    assert followup.cancel_reason == "本人の希望で終結"
    assert followup not in followups_open_for_assignee(counselor)
    event = case.state_changes.get(kind="closure_approved")
    assert event.after["open_items"]["settled"] == {"followups_cancelled": 1}
    assert len(event.after["open_items"]["actions_left_undone"]) == 1


@pytest.mark.django_db
def test_approval_hands_the_follow_up_over_to_a_colleague(counselor, colleague, supervisor):
    case, followup = _case_with_open_items(counselor)
    request = services.case_request_closure(
        case=case, reason="resolved", note="", by=counselor, open_items_seen=True
    )
    services.case_approve_closure(
        request=request,
        by=supervisor,
        open_items=registry.SETTLE_HAND_OVER,
        hand_over_to=colleague,
        open_items_reason="引き続き見守りが必要",
    )
    followup.refresh_from_db()
    assert followup.assignee == colleague and followup.is_open
    assert list(followups_open_for_assignee(colleague)) == [followup]
    assert followup not in followups_open_for_assignee(counselor)
    event = case.state_changes.get(kind="closure_approved")
    assert event.after["open_items"]["to"] == colleague.pk


@pytest.mark.django_db
def test_no_follow_up_is_added_to_a_closed_case(counselor, supervisor):
    her = ClientFactory(counselors=[counselor])
    case = services.case_open(client=her, by=counselor)
    request = services.case_request_closure(case=case, reason="resolved", note="", by=counselor)
    services.case_approve_closure(request=request, by=supervisor)
    with pytest.raises(ValidationError):
        followup_create(
            client=her,
            case=case,
            what="電話",
            due_at=timezone.now() + datetime.timedelta(hours=1),
            assignee=counselor,
            by=counselor,
        )


@pytest.mark.django_db(transaction=True)
def test_closing_with_open_items_in_the_browser(page, login, counselor, colleague, supervisor):
    case, followup = _case_with_open_items(counselor)
    problems = watch_page(page)

    login(counselor)
    page.goto(f"/cases/{case.pk}/")
    page.locator("#request-closing summary").click()
    expect(page.locator("#request-closing [data-open-items]")).to_contain_text(
        "面談の日程を電話で確認"
    )
    expect(page.locator("#request-closing [data-open-items]")).to_contain_text("住居の申請に同行")
    page.get_by_label("終結の理由").select_option("resolved")
    page.get_by_role("button", name="終結を申請").click()
    # Not confirmed yet: the form comes back, the open items still listed.
    expect(page.locator("#request-closing [data-open-items]")).to_be_visible()
    page.locator("#id_closure_open_items_seen").check()
    page.get_by_role("button", name="終結を申請").click()
    expect(page.get_by_text("終結はスーパーバイザーの承認待ちです")).to_be_visible()
    csp_violations(page, problems)

    page.context.clear_cookies()
    login(supervisor)
    page.goto("/cases/closing/")
    card = page.locator("section.card")
    expect(card.locator("[data-open-items]")).to_contain_text("面談の日程を電話で確認")
    decision = card.get_by_label("判断")
    expect(decision).to_have_value("")  # nothing pre-selected
    decision.select_option("approve")
    card.locator("select[name=open_items]").select_option("hand_over")
    card.locator("select[name=hand_over_to]").select_option(str(colleague.pk))
    card.locator("input[name=open_items_reason]").fill("引き続き見守りが必要")
    screenshot(page, "closing-with-open-items")
    card.get_by_role("button", name="判断を記録する").click()
    expect(page.get_by_role("status")).to_contain_text("終結を承認しました")
    csp_violations(page, problems)

    page.context.clear_cookies()
    login(colleague)
    page.goto("/followups/")
    expect(page.get_by_role("link", name="面談の日程を電話で確認")).to_be_visible()
    csp_violations(page, problems)
    followup.refresh_from_db()
    assert followup.assignee == colleague
    assert [p for p in problems if "400" not in p] == []
