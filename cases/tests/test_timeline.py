"""The case timeline: one chronological list from every provider, a fixed number of queries."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from cases.models import Case, CaseNote, SupportAction, SupportGoal
from cases.services import cases as services
from cases.tests.factories import ClientFactory, ConsultationFactory
from cases.timeline import TimelineEntry, case_timeline

pytestmark = pytest.mark.django_db


def case_with_history(counselor, n: int) -> Case:
    """A case with n of each timeline kind: consultations, notes (each corrected), goals
    (achieved), actions (done), status changes and follow-ups."""
    from followups.services import followup_complete, followup_create

    client = ClientFactory(counselors=[counselor])
    first = ConsultationFactory(client=client, recorded_by=counselor)
    case = services.case_open(client=client, by=counselor, opened_from=first)
    for i in range(n - 1):
        ConsultationFactory(
            client=client,
            recorded_by=counselor,
            case=case,
            started_at=timezone.now() - datetime.timedelta(hours=i + 2),
        )
    for i in range(n):
        note = services.case_note_add(case=case, body=f"記録{i}", by=counselor)
        services.case_note_correct(note=note, body=f"訂正{i}", by=counselor)
        goal = services.support_goal_add(case=case, text=f"目標{i}", by=counselor)
        services.support_goal_achieve(goal=goal, by=counselor)
        action = services.support_action_add(
            case=case, description=f"行動{i}", owner=counselor, due_on=None, by=counselor
        )
        services.support_action_complete(action=action, by=counselor)
        status = Case.Status.ON_HOLD if case.status == Case.Status.ACTIVE else Case.Status.ACTIVE
        case = services.case_set_status(case=case, status=status, by=counselor)
        followup = followup_create(
            client=client,
            case=case,
            what=f"電話{i}",
            due_at=timezone.now() + datetime.timedelta(days=1),
            assignee=counselor,
            by=counselor,
        )
        followup_complete(followup=followup, by=counselor)
    return case


def test_it_merges_every_kind_newest_first(counselor):
    case = case_with_history(counselor, 2)
    entries = case_timeline(case)

    kinds = {e.kind for e in entries}
    assert {
        "consultation",
        "note",
        "goal_added",
        "goal_achieved",
        "action_added",
        "action_done",
        "event:opened",
        "event:status_changed",
        "followup",
    } <= kinds
    times = [e.at for e in entries]
    assert times == sorted(times, reverse=True)
    assert all(isinstance(e, TimelineEntry) for e in entries)
    assert all(e.actor == counselor for e in entries)
    # corrections are attached to their note, not separate entries
    assert "note_correction" not in kinds
    consultation = next(e for e in entries if e.kind == "consultation")
    assert consultation.url == f"/cases/consultations/{consultation.object.pk}/"


def test_a_note_keeps_its_history_of_corrections(counselor, colleague):
    case = services.case_open(client=ClientFactory(), by=counselor)
    note = services.case_note_add(case=case, body="初回の記録", by=counselor)
    first = services.case_note_correct(note=note, body="訂正1", by=colleague)
    services.case_note_correct(note=first, body="訂正2", by=counselor)  # correcting a correction

    [entry] = [e for e in case_timeline(case) if e.kind == "note"]

    assert entry.body == "初回の記録"
    assert entry.is_corrected
    assert [c.body for c in entry.corrections] == ["訂正1", "訂正2"]
    assert [c.actor for c in entry.corrections] == [colleague, counselor]
    assert CaseNote.objects.filter(case=case).count() == 3


def test_event_entries_say_what_changed(counselor, colleague):
    case = services.case_open(client=ClientFactory(), by=counselor)
    services.case_set_status(case=case, status=Case.Status.ACTIVE, by=counselor, note="面談")
    services.case_assign(case=case, counselors=[counselor, colleague], by=counselor)
    entries = {e.kind: e for e in case_timeline(case)}
    assert "面談" in entries["event:status_changed"].body
    assert "受付" in entries["event:status_changed"].body  # Japanese labels (default language)
    assert str(colleague) in entries["event:assigned"].body


@pytest.mark.parametrize("n", [1, 20])
def test_it_runs_a_fixed_number_of_queries(counselor, n, django_assert_num_queries):
    case = case_with_history(counselor, n)
    assert SupportGoal.objects.filter(case=case).count() == n
    assert SupportAction.objects.filter(case=case).count() == n
    # 1 consultations, 2 notes, 3 goals, 4 actions, 5 events (+actors), 6 users named in
    # events (counselors of opened/assigned), 7 follow-ups (followups provider), 8 the test
    # app's visits (tests/testapp, installed by the test settings); the referrals provider:
    # 9 referral transitions, 10 accompaniments, 11 meetings that discussed the case; the
    # activities provider: 12 session registrations, 13 expert bookings; the supplies
    # provider: 14 handouts; the LINE care provider: 15 imminent-risk protocols.
    with django_assert_num_queries(15):
        entries = case_timeline(case)
    # per kind: n consultations, n notes, 2n goal, 2n action, n status + opened, 2n follow-up
    assert len(entries) == n + n + 2 * n + 2 * n + (n + 1) + 2 * n
