import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import override_settings
from django.utils import timezone

from accounts.tests.factories import UserFactory
from cases.tests.factories import CaseFactory, ClientFactory, ConsultationFactory
from core.roles import Role
from followups import services
from followups.models import FollowUp
from followups.tests.factories import FollowUpFactory
from notifications.models import DigestRun, Notification

pytestmark = pytest.mark.django_db


def _soon(minutes: int = 60) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(minutes=minutes)


# --- create / complete / cancel / reschedule ------------------------------------------------


def test_create_stores_a_pending_followup(counselor):
    client = ClientFactory(counselors=[counselor])
    case = CaseFactory(client=client, counselors=[counselor])
    fu = services.followup_create(
        client=client,
        case=case,
        what=" 来週の同行を確認 ",
        due_at=_soon(),
        assignee=counselor,
        by=counselor,
    )
    fu.refresh_from_db()
    assert fu.state == FollowUp.State.PENDING
    assert fu.what == "来週の同行を確認"
    assert fu.case == case and fu.created_by == counselor and fu.notified_at is None


def test_create_accepts_a_supervisor_as_assignee(counselor, supervisor):
    fu = services.followup_create(
        client=ClientFactory(), what="確認", due_at=_soon(), assignee=supervisor, by=counselor
    )
    assert fu.assignee == supervisor


def test_create_refuses_a_case_of_another_client(counselor):
    other_case = CaseFactory()
    with pytest.raises(ValidationError) as exc:
        services.followup_create(
            client=ClientFactory(),
            case=other_case,
            what="確認",
            due_at=_soon(),
            assignee=counselor,
            by=counselor,
        )
    assert "case" in exc.value.message_dict
    assert not FollowUp.objects.exists()


def test_create_refuses_a_consultation_of_another_client(counselor):
    with pytest.raises(ValidationError) as exc:
        services.followup_create(
            client=ClientFactory(),
            consultation=ConsultationFactory(),
            what="確認",
            due_at=_soon(),
            assignee=counselor,
            by=counselor,
        )
    assert "consultation" in exc.value.message_dict


@pytest.mark.parametrize("who", ["coordinator", "expert", "outsider", "inactive"])
def test_create_refuses_an_assignee_who_is_not_an_active_counselor_or_supervisor(
    who, request, counselor
):
    if who == "inactive":
        assignee = UserFactory(roles=[Role.COUNSELOR], is_active=False)
    else:
        assignee = request.getfixturevalue(who)
    with pytest.raises(ValidationError) as exc:
        services.followup_create(
            client=ClientFactory(), what="確認", due_at=_soon(), assignee=assignee, by=counselor
        )
    assert "assignee" in exc.value.message_dict


def test_create_refuses_an_empty_what_and_a_naive_time(counselor):
    with pytest.raises(ValidationError) as exc:
        services.followup_create(
            client=ClientFactory(), what="   ", due_at=_soon(), assignee=counselor, by=counselor
        )
    assert "what" in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.followup_create(
            client=ClientFactory(),
            what="確認",
            due_at=datetime.datetime(2030, 1, 1, 9),
            assignee=counselor,
            by=counselor,
        )


def test_complete_records_who_and_when_and_only_once(counselor, colleague):
    fu = FollowUpFactory(assignee=counselor)
    services.followup_complete(followup=fu, by=colleague)
    fu.refresh_from_db()
    assert fu.state == FollowUp.State.DONE and fu.done_by == colleague and fu.done_at
    with pytest.raises(ValidationError):
        services.followup_complete(followup=fu, by=counselor)
    with pytest.raises(ValidationError):
        services.followup_reschedule(followup=fu, due_at=_soon(), by=counselor)


def test_cancel_records_the_reason_and_closes_it(counselor):
    fu = FollowUpFactory(assignee=counselor)
    services.followup_cancel(followup=fu, by=counselor, reason="本人から連絡があった")
    fu.refresh_from_db()
    assert fu.state == FollowUp.State.CANCELLED
    assert fu.cancel_reason == "本人から連絡があった" and fu.cancelled_by == counselor
    with pytest.raises(ValidationError):
        services.followup_complete(followup=fu, by=counselor)


def test_reschedule_goes_back_to_pending_and_is_reminded_again(counselor):
    fu = FollowUpFactory(assignee=counselor, due_at=timezone.now() - datetime.timedelta(minutes=1))
    assert services.followups_notify_due() == 1
    fu.refresh_from_db()
    assert fu.state == FollowUp.State.NOTIFIED and fu.notified_at

    services.followup_reschedule(
        followup=fu, due_at=timezone.now() - datetime.timedelta(seconds=1), by=counselor
    )
    fu.refresh_from_db()
    assert fu.state == FollowUp.State.PENDING and fu.notified_at is None and fu.revision == 1
    assert services.followups_notify_due() == 1
    keys = set(Notification.objects.values_list("dedupe_key", flat=True))
    assert keys == {f"followup:{fu.pk}:due", f"followup:{fu.pk}:due:1"}


# --- rules the database enforces too --------------------------------------------------------


@pytest.mark.parametrize(
    "changes",
    [
        {"state": "pending", "notified_at": "now"},
        {"state": "notified", "notified_at": None},
        {"state": "done", "done_at": None},
        {"state": "cancelled", "cancelled_at": None},
        {"what": ""},
    ],
    ids=["pending-notified", "notified-no-time", "done-no-time", "cancelled-no-time", "no-what"],
)
def test_the_database_refuses_inconsistent_rows(changes):
    fu = FollowUpFactory()
    values = {k: (timezone.now() if v == "now" else v) for k, v in changes.items()}
    with pytest.raises(IntegrityError), transaction.atomic():
        FollowUp.objects.filter(pk=fu.pk).update(**values)


# --- the due sweep, in-process ----------------------------------------------------------------


def test_notify_due_notifies_only_due_pending_rows(counselor):
    past = timezone.now() - datetime.timedelta(minutes=5)
    due = FollowUpFactory(assignee=counselor, due_at=past)
    later = FollowUpFactory(assignee=counselor, due_at=_soon())
    done = FollowUpFactory(assignee=counselor, due_at=past)
    services.followup_complete(followup=done, by=counselor)
    cancelled = FollowUpFactory(assignee=counselor, due_at=past)
    services.followup_cancel(followup=cancelled, by=counselor)

    assert services.followups_notify_due() == 1
    assert services.followups_notify_due() == 0

    due.refresh_from_db()
    assert due.state == FollowUp.State.NOTIFIED and due.notified_at
    for untouched, state in [(later, "pending"), (done, "done"), (cancelled, "cancelled")]:
        untouched.refresh_from_db()
        assert untouched.state == state and untouched.notified_at is None
    (n,) = Notification.objects.all()
    assert n.user == counselor and n.kind == Notification.Kind.FOLLOWUP_DUE
    assert n.dedupe_key == f"followup:{due.pk}:due"
    assert due.client.nickname in n.title  # in-app only, seen by the assignee
    assert n.url == f"/followups/{due.pk}/"
    assert n.email_state == Notification.EmailState.PENDING


# --- escalation -------------------------------------------------------------------------------


@override_settings(FOLLOWUP_ESCALATE_AFTER_MINUTES=30)
def test_escalation_tells_every_active_supervisor_once_after_the_set_time(counselor, supervisor):
    second = UserFactory(roles=[Role.SUPERVISOR])
    UserFactory(roles=[Role.SUPERVISOR], is_active=False)
    now = timezone.now()
    recent = FollowUpFactory(assignee=counselor, due_at=now - datetime.timedelta(minutes=29))
    old = FollowUpFactory(assignee=counselor, due_at=now - datetime.timedelta(minutes=31))
    done = FollowUpFactory(assignee=counselor, due_at=now - datetime.timedelta(hours=5))
    services.followup_complete(followup=done, by=counselor)

    assert services.followups_escalate_overdue() == 1
    assert services.followups_escalate_overdue() == 0
    assert services.followups_escalate_overdue(now=now + datetime.timedelta(minutes=5)) == 1

    overdue = Notification.objects.filter(kind=Notification.Kind.FOLLOWUP_OVERDUE)
    assert sorted(overdue.values_list("user_id", "dedupe_key")) == sorted(
        [(u.pk, f"followup:{fu.pk}:overdue") for u in (supervisor, second) for fu in (old, recent)]
    )
    old.refresh_from_db()
    assert old.escalated_at is not None
    assert not Notification.objects.filter(user=counselor).exists()


@override_settings(FOLLOWUP_ESCALATE_AFTER_MINUTES=24 * 60)
def test_escalation_waits_for_the_configured_time(counselor, supervisor):
    FollowUpFactory(assignee=counselor, due_at=timezone.now() - datetime.timedelta(hours=23))
    assert services.followups_escalate_overdue() == 0


# --- morning digest ---------------------------------------------------------------------------


def _at_tokyo(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=services.TOKYO)


def test_morning_digest_once_per_day_with_opt_out_and_no_personal_data(
    counselor, colleague, coordinator, mailoutbox, django_capture_on_commit_callbacks
):
    from notifications.services import notification_email_deliver

    today = datetime.date(2030, 4, 3)
    client = ClientFactory(nickname="ひまわり")
    FollowUpFactory(client=client, assignee=counselor, what="同行の件", due_at=_at_tokyo(today, 9))
    FollowUpFactory(client=client, assignee=counselor, due_at=_at_tokyo(today, 17, 30))
    FollowUpFactory(assignee=counselor, due_at=_at_tokyo(today + datetime.timedelta(days=1), 0))
    colleague.daily_digest = False
    colleague.save()
    FollowUpFactory(assignee=colleague, due_at=_at_tokyo(today, 10))

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert services.followups_send_morning_digest(today=today) == 1
    assert services.followups_send_morning_digest(today=today) == 0
    assert len(callbacks) == 1  # one e-mail enqueued

    (run,) = DigestRun.objects.all()
    assert (run.user, run.date, run.item_count) == (counselor, today, 2)
    (n,) = Notification.objects.filter(kind=Notification.Kind.DIGEST)
    notification_email_deliver(notification_id=n.pk)
    (email,) = mailoutbox
    assert email.to == [counselor.email]
    assert email.subject == "【つながり】本日のフォローアップ"
    assert "2件" in email.body and "9:00" in email.body and "17:30" in email.body
    assert "ひまわり" not in email.body and "同行の件" not in email.body
