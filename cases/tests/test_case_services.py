"""Case services: opening, priority, assignment, status, plan, notes and closing."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, ProgrammingError, transaction
from django.utils import timezone

from cases.models import (
    Case,
    CaseClosureRequest,
    CaseEvent,
    CaseNote,
    Client,
    RiskFlag,
    SupportAction,
)
from cases.services import cases as services
from cases.tests.factories import CaseFactory, ClientFactory, ConsultationFactory
from notifications.models import Notification

pytestmark = pytest.mark.django_db


def _flag(client: Client, kind: str, by, **extra) -> RiskFlag:
    return RiskFlag.objects.create(client=client, kind=kind, set_by=by, **extra)


def _events(case: Case) -> list[str]:
    return list(case.state_changes.order_by("at", "pk").values_list("kind", flat=True))


# --- opening ---------------------------------------------------------------------------


def test_case_open_links_the_consultation_and_defaults_counselors(counselor):
    client = ClientFactory(counselors=[counselor])
    consultation = ConsultationFactory(client=client, recorded_by=counselor)

    case = services.case_open(client=client, by=counselor, opened_from=consultation)

    consultation.refresh_from_db()
    assert consultation.case == case
    assert case.opened_from == consultation
    assert case.status == Case.Status.OPEN
    assert list(case.counselors.all()) == [counselor]
    event = case.state_changes.get()
    assert event.kind == CaseEvent.Kind.OPENED
    assert event.actor == counselor
    assert event.after["counselors"] == [counselor.pk]
    assert event.after["opened_from"] == consultation.pk


@pytest.mark.parametrize(
    ("kinds", "expected"),
    [
        ([], Case.Priority.NORMAL),
        ([RiskFlag.Kind.MINOR], Case.Priority.MEDIUM),
        ([RiskFlag.Kind.MINOR, RiskFlag.Kind.DV_DANGER], Case.Priority.HIGH),
        ([RiskFlag.Kind.SUICIDAL], Case.Priority.HIGH),
    ],
)
def test_case_open_takes_priority_from_active_risk_flags(counselor, kinds, expected):
    client = ClientFactory()
    for kind in kinds:
        _flag(client, kind, counselor)
    case = services.case_open(client=client, by=counselor)
    assert case.priority == expected


def test_case_open_ignores_cleared_and_expired_flags(counselor):
    client = ClientFactory()
    now = timezone.now()
    _flag(client, RiskFlag.Kind.SUICIDAL, counselor, cleared_at=now, cleared_by=counselor)
    _flag(
        client,
        RiskFlag.Kind.DV_DANGER,
        counselor,
        set_at=now - datetime.timedelta(days=2),
        expires_at=now - datetime.timedelta(days=1),
    )
    assert services.case_open(client=client, by=counselor).priority == Case.Priority.NORMAL


def test_case_open_refuses_a_consultation_of_another_client(counselor):
    consultation = ConsultationFactory()
    with pytest.raises(ValidationError):
        services.case_open(client=ClientFactory(), by=counselor, opened_from=consultation)


def test_case_open_refuses_a_consultation_already_in_a_case(counselor):
    client = ClientFactory()
    consultation = ConsultationFactory(client=client)
    services.case_open(client=client, by=counselor, opened_from=consultation)
    with pytest.raises(ValidationError):
        services.case_open(client=client, by=counselor, opened_from=consultation)
    assert Case.objects.filter(client=client).count() == 1


def test_case_open_refuses_a_non_counselor_on_the_team(counselor, coordinator):
    with pytest.raises(ValidationError):
        services.case_open(client=ClientFactory(), by=counselor, counselors=[coordinator])


# --- priority refresh --------------------------------------------------------------------


def test_priority_refresh_follows_flags_and_records_the_change(counselor, colleague):
    client = ClientFactory()
    case = services.case_open(client=client, by=counselor)
    closed = CaseFactory(
        client=client,
        status=Case.Status.CLOSED,
        closed_at=timezone.now(),
        close_reason=Case.CloseReason.RESOLVED,
    )
    flag = _flag(client, RiskFlag.Kind.NO_HOME, colleague)

    services.case_priority_refresh(client=client)

    case.refresh_from_db()
    closed.refresh_from_db()
    assert case.priority == Case.Priority.HIGH
    assert closed.priority == Case.Priority.NORMAL  # closed cases keep theirs
    event = case.state_changes.get(kind=CaseEvent.Kind.PRIORITY_CHANGED)
    assert event.before == {"priority": Case.Priority.NORMAL}
    assert event.after == {"priority": Case.Priority.HIGH}
    assert event.actor == colleague  # who set the flag, when no `by` is given

    RiskFlag.objects.filter(pk=flag.pk).update(cleared_at=timezone.now(), cleared_by=counselor)
    services.case_priority_refresh(client=client, by=counselor)
    case.refresh_from_db()
    assert case.priority == Case.Priority.NORMAL
    assert case.state_changes.filter(kind=CaseEvent.Kind.PRIORITY_CHANGED).count() == 2

    services.case_priority_refresh(client=client, by=counselor)  # nothing changed: no event
    assert case.state_changes.filter(kind=CaseEvent.Kind.PRIORITY_CHANGED).count() == 2


def test_risk_flag_services_refresh_case_priority(counselor):
    from cases.services.clients import risk_flag_set

    client = ClientFactory(counselors=[counselor])
    case = services.case_open(client=client, by=counselor)
    risk_flag_set(client=client, kind=RiskFlag.Kind.STALKING, by=counselor)
    case.refresh_from_db()
    assert case.priority == Case.Priority.MEDIUM


# --- assignment and status ---------------------------------------------------------------


def test_case_assign_records_before_and_after(counselor, colleague):
    case = services.case_open(client=ClientFactory(), by=counselor)
    services.case_assign(case=case, counselors=[counselor, colleague], by=counselor)
    assert set(case.counselors.all()) == {counselor, colleague}
    event = case.state_changes.get(kind=CaseEvent.Kind.ASSIGNED)
    assert event.before == {"counselors": [counselor.pk]}
    assert event.after == {"counselors": sorted([counselor.pk, colleague.pk])}


def test_case_assign_needs_someone(counselor):
    case = services.case_open(client=ClientFactory(), by=counselor)
    with pytest.raises(ValidationError):
        services.case_assign(case=case, counselors=[], by=counselor)


def test_status_moves_open_active_on_hold_active(counselor):
    case = services.case_open(client=ClientFactory(), by=counselor)
    for status in (Case.Status.ACTIVE, Case.Status.ON_HOLD, Case.Status.ACTIVE):
        case = services.case_set_status(case=case, status=status, by=counselor, note="連絡あり")
    assert case.status == Case.Status.ACTIVE
    changes = case.state_changes.filter(kind=CaseEvent.Kind.STATUS_CHANGED).order_by("at", "pk")
    assert [(e.before["status"], e.after["status"]) for e in changes] == [
        ("open", "active"),
        ("active", "on_hold"),
        ("on_hold", "active"),
    ]
    assert changes[0].note == "連絡あり"


@pytest.mark.parametrize(
    ("start", "target"),
    [
        (Case.Status.OPEN, Case.Status.ON_HOLD),
        (Case.Status.ACTIVE, Case.Status.CLOSED),
        (Case.Status.ACTIVE, Case.Status.OPEN),
        (Case.Status.ACTIVE, Case.Status.ACTIVE),
        (Case.Status.ACTIVE, "nonsense"),
    ],
)
def test_status_refuses_other_moves(counselor, start, target):
    case = CaseFactory(status=start, counselors=[counselor])
    with pytest.raises(ValidationError):
        services.case_set_status(case=case, status=target, by=counselor)
    case.refresh_from_db()
    assert case.status == start
    assert not case.state_changes.exists()


# --- support plan ------------------------------------------------------------------------


def test_support_plan_goals_and_actions(counselor, colleague):
    case = services.case_open(client=ClientFactory(), by=counselor)
    goal = services.support_goal_add(case=case, text="住まいを確保する", by=counselor)
    action = services.support_action_add(
        case=case,
        description="区役所の窓口に同行する",
        owner=colleague,
        due_on=datetime.date(2023, 1, 10),
        by=counselor,
        goal=goal,
    )
    assert action.goal == goal and action.owner == colleague

    services.support_action_complete(action=action, by=colleague)
    action.refresh_from_db()
    assert action.done_at is not None and action.done_by == colleague
    with pytest.raises(ValidationError):
        services.support_action_complete(action=action, by=colleague)

    services.support_goal_achieve(goal=goal, by=counselor)
    goal.refresh_from_db()
    assert goal.achieved_at is not None and goal.achieved_by == counselor
    with pytest.raises(ValidationError):
        services.support_goal_achieve(goal=goal, by=counselor)


def test_support_action_refuses_a_goal_of_another_case(counselor):
    case = services.case_open(client=ClientFactory(), by=counselor)
    other = services.case_open(client=ClientFactory(), by=counselor)
    goal = services.support_goal_add(case=other, text="目標", by=counselor)
    with pytest.raises(ValidationError):
        services.support_action_add(
            case=case, description="x", owner=counselor, due_on=None, by=counselor, goal=goal
        )
    assert not SupportAction.objects.exists()


def test_plan_is_frozen_when_the_case_is_closed(counselor):
    case = CaseFactory(
        status=Case.Status.CLOSED,
        closed_at=timezone.now(),
        close_reason=Case.CloseReason.RESOLVED,
        counselors=[counselor],
    )
    with pytest.raises(ValidationError):
        services.support_goal_add(case=case, text="目標", by=counselor)


# --- notes -------------------------------------------------------------------------------


def test_a_correction_is_a_new_note_and_the_original_is_kept(counselor, colleague):
    case = services.case_open(client=ClientFactory(), by=counselor)
    note = services.case_note_add(case=case, body="  区役所に同行した  ", by=counselor)
    assert note.body == "区役所に同行した"

    correction = services.case_note_correct(note=note, body="区役所に電話した", by=colleague)

    note.refresh_from_db()
    assert note.body == "区役所に同行した"
    assert correction.corrects == note
    assert correction.case_id == case.pk
    assert correction.author == colleague
    assert CaseNote.objects.filter(case=case).count() == 2


def test_notes_refuse_blank_and_unchanged_text(counselor):
    case = services.case_open(client=ClientFactory(), by=counselor)
    with pytest.raises(ValidationError):
        services.case_note_add(case=case, body="   ", by=counselor)
    note = services.case_note_add(case=case, body="記録", by=counselor)
    with pytest.raises(ValidationError):
        services.case_note_correct(note=note, body="記録", by=counselor)


def test_the_database_refuses_to_edit_or_delete_a_note(counselor):
    case = services.case_open(client=ClientFactory(), by=counselor)
    note = services.case_note_add(case=case, body="記録", by=counselor)
    with pytest.raises(ProgrammingError), transaction.atomic():
        CaseNote.objects.filter(pk=note.pk).update(body="書き換え")
    with pytest.raises(ProgrammingError), transaction.atomic():
        CaseNote.objects.filter(pk=note.pk).delete()
    note.refresh_from_db()
    assert note.body == "記録"


def test_the_database_refuses_to_edit_a_case_event(counselor):
    case = services.case_open(client=ClientFactory(), by=counselor)
    with pytest.raises(ProgrammingError), transaction.atomic():
        case.state_changes.update(note="x")


# --- closing -----------------------------------------------------------------------------


def test_request_closure_notifies_supervisors_once(counselor, supervisor):
    case = services.case_open(client=ClientFactory(), by=counselor)
    request = services.case_request_closure(
        case=case, reason=Case.CloseReason.RESOLVED, note="目標達成", by=counselor
    )
    assert request.state == CaseClosureRequest.State.PENDING
    assert _events(case)[-1] == CaseEvent.Kind.CLOSURE_REQUESTED
    case.refresh_from_db()
    assert case.status == Case.Status.OPEN  # nothing closes before approval
    sent = Notification.objects.get(user=supervisor)
    assert sent.kind == "closure_requested"
    assert sent.dedupe_key == f"closure:{request.pk}"
    assert sent.url == f"/cases/{case.pk}/"
    assert case.client.nickname not in sent.title  # no personal details in a title


def test_only_one_pending_closing_request(counselor, colleague):
    case = services.case_open(client=ClientFactory(), by=counselor)
    services.case_request_closure(case=case, reason=Case.CloseReason.MOVED, note="", by=counselor)
    with pytest.raises(ValidationError):
        services.case_request_closure(
            case=case, reason=Case.CloseReason.MOVED, note="", by=colleague
        )
    # The database keeps the rule even if the service were bypassed.
    with pytest.raises(IntegrityError), transaction.atomic():
        CaseClosureRequest.objects.create(
            case=case, reason=Case.CloseReason.MOVED, requested_by=colleague
        )


def test_approval_closes_the_case_with_reason(counselor, supervisor):
    case = services.case_open(client=ClientFactory(), by=counselor)
    request = services.case_request_closure(
        case=case, reason=Case.CloseReason.CONNECTED, note="", by=counselor
    )
    closed = services.case_approve_closure(request=request, by=supervisor, note="了解")

    assert closed.status == Case.Status.CLOSED
    assert closed.closed_at is not None
    assert closed.close_reason == Case.CloseReason.CONNECTED
    request.refresh_from_db()
    assert request.state == CaseClosureRequest.State.APPROVED
    assert request.decided_by == supervisor and request.decision_note == "了解"
    event = case.state_changes.get(kind=CaseEvent.Kind.CLOSURE_APPROVED)
    assert event.before == {"status": "open", "close_reason": ""}
    assert event.after["status"] == "closed" and event.after["close_reason"] == "connected"
    assert event.actor == supervisor
    # Decided once: a second decision is refused.
    with pytest.raises(ValidationError):
        services.case_reject_closure(request=request, by=supervisor, note="x")


def test_a_counselor_cannot_decide_closing(counselor):
    case = services.case_open(client=ClientFactory(), by=counselor)
    request = services.case_request_closure(
        case=case, reason=Case.CloseReason.RESOLVED, note="", by=counselor
    )
    with pytest.raises(PermissionDenied):
        services.case_approve_closure(request=request, by=counselor)
    with pytest.raises(PermissionDenied):
        services.case_reject_closure(request=request, by=counselor)
    request.refresh_from_db()
    assert request.state == CaseClosureRequest.State.PENDING


def test_rejection_keeps_the_case_open_and_allows_a_new_request(counselor, supervisor):
    case = services.case_open(client=ClientFactory(), by=counselor)
    request = services.case_request_closure(
        case=case, reason=Case.CloseReason.LOST_CONTACT, note="", by=counselor
    )
    services.case_reject_closure(request=request, by=supervisor, note="もう一度連絡を")
    case.refresh_from_db()
    assert case.status == Case.Status.OPEN
    event = case.state_changes.get(kind=CaseEvent.Kind.CLOSURE_REJECTED)
    assert event.note == "もう一度連絡を"
    services.case_request_closure(
        case=case, reason=Case.CloseReason.LOST_CONTACT, note="", by=counselor
    )


def test_reopen_is_for_supervisors_and_clears_the_closing(counselor, supervisor):
    case = services.case_open(client=ClientFactory(), by=counselor)
    request = services.case_request_closure(
        case=case, reason=Case.CloseReason.RESOLVED, note="", by=counselor
    )
    services.case_approve_closure(request=request, by=supervisor)
    with pytest.raises(PermissionDenied):
        services.case_reopen(case=case, by=counselor, note="再相談")
    with pytest.raises(ValidationError):  # closed cases take no status changes
        services.case_set_status(case=case, status=Case.Status.ACTIVE, by=counselor)

    reopened = services.case_reopen(case=case, by=supervisor, note="再相談")

    assert reopened.status == Case.Status.ACTIVE
    assert reopened.closed_at is None and reopened.close_reason == ""
    event = case.state_changes.get(kind=CaseEvent.Kind.REOPENED)
    assert event.before == {"status": "closed", "close_reason": "resolved"}
    assert event.after == {"status": "active"}
    with pytest.raises(ValidationError):
        services.case_reopen(case=case, by=supervisor, note="again")


def test_every_step_of_a_case_is_in_its_event_log(counselor, colleague, supervisor):
    case = services.case_open(client=ClientFactory(), by=counselor)
    services.case_set_status(case=case, status=Case.Status.ACTIVE, by=counselor)
    services.case_assign(case=case, counselors=[counselor, colleague], by=counselor)
    request = services.case_request_closure(
        case=case, reason=Case.CloseReason.RESOLVED, note="", by=counselor
    )
    services.case_approve_closure(request=request, by=supervisor)
    services.case_reopen(case=case, by=supervisor, note="再相談")
    assert _events(case) == [
        "opened",
        "status_changed",
        "assigned",
        "closure_requested",
        "closure_approved",
        "reopened",
    ]
