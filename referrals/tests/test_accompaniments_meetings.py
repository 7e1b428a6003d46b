import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from cases.models import SupportAction
from core.time import TOKYO, local_date
from followups.models import FollowUp
from referrals import services
from referrals.models import Accompaniment, MeetingCase, ProvisionRecord
from referrals.services.accompaniments import reminder_due

from .factories import PartnerFactory

pytestmark = pytest.mark.django_db


def _in_days(days: int, hour: int = 14) -> datetime.datetime:
    day = local_date(timezone.now()) + datetime.timedelta(days=days)
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=TOKYO)


def _book(case, by, **kwargs):
    values = {"place": "区役所 3階", "starts_at": _in_days(3), "counselors": [by]}
    return services.accompaniment_book(case=case, by=by, **{**values, **kwargs})


# --- accompaniments ---------------------------------------------------------------------------


def test_booking_reminds_her_at_five_the_day_before(her_case, counselor):
    accompaniment = _book(her_case, counselor, transport="地下鉄", cost_yen=480)
    reminder = accompaniment.reminder
    assert reminder.assignee == counselor and reminder.case == her_case
    assert timezone.localtime(reminder.due_at, TOKYO) == _in_days(2, hour=17)
    assert reminder.state == FollowUp.State.PENDING


def test_a_reminder_whose_time_has_passed_is_due_at_once():
    now = timezone.now()
    assert reminder_due(now + datetime.timedelta(hours=1), now) >= now
    tomorrow_morning = _in_days(1, hour=0) + datetime.timedelta(minutes=30)
    if tomorrow_morning > now:  # 17:00 today may still be ahead; otherwise it is now
        assert reminder_due(tomorrow_morning, now) == max(_in_days(0, hour=17), now)


def test_cancelling_cancels_the_reminder(her_case, counselor):
    accompaniment = _book(her_case, counselor)
    services.accompaniment_cancel(accompaniment=accompaniment, by=counselor, reason="体調不良")
    accompaniment.refresh_from_db()
    assert accompaniment.status == "cancelled"
    assert FollowUp.objects.get(pk=accompaniment.reminder_id).state == "cancelled"


def test_held_needs_an_outcome(her_case, counselor):
    accompaniment = _book(her_case, counselor)
    with pytest.raises(ValidationError) as exc:
        services.accompaniment_record_outcome(accompaniment=accompaniment, outcome="", by=counselor)
    assert exc.value.message_dict == {"outcome": ["Record the outcome."]}
    services.accompaniment_record_outcome(
        accompaniment=accompaniment, outcome="申請ができた", by=counselor
    )
    accompaniment.refresh_from_db()
    assert (accompaniment.status, accompaniment.outcome) == ("held", "申請ができた")
    with pytest.raises(ValidationError) as exc:
        services.accompaniment_cancel(accompaniment=accompaniment, by=counselor, reason="x")
    assert exc.value.messages == ["This accompaniment is already Held."]


def test_the_database_refuses_a_negative_cost_and_held_without_outcome(her_case, counselor):
    accompaniment = _book(her_case, counselor)
    with pytest.raises(IntegrityError, match="referrals_accompaniment_cost_not_negative"):
        with transaction.atomic():
            Accompaniment.objects.filter(pk=accompaniment.pk).update(cost_yen=-1)
    with pytest.raises(IntegrityError, match="referrals_accompaniment_held_has_outcome"):
        with transaction.atomic():
            Accompaniment.objects.filter(pk=accompaniment.pk).update(status="held")


def test_booking_refuses_a_negative_cost_and_no_counselor(her_case, counselor):
    with pytest.raises(ValidationError) as exc:
        _book(her_case, counselor, cost_yen=-10, counselors=[])
    assert exc.value.message_dict == {
        "counselors": ["Choose at least one counselor."],
        "cost_yen": ["The cost cannot be negative."],
    }


def test_a_colleague_cannot_book_for_a_case_not_hers(her_case, colleague):
    with pytest.raises(PermissionDenied):
        _book(her_case, colleague)


# --- coordination meetings ----------------------------------------------------------------------


def test_a_meeting_writes_a_provision_record_per_partner_per_woman_and_her_actions(
    her_case, consent, counselor, colleague
):
    ward_office = PartnerFactory(kind="ward_office", name="北区役所（架空）")
    pantry = PartnerFactory(kind="food_pantry")
    meeting = services.meeting_record(
        held_at=timezone.now() - datetime.timedelta(hours=2),
        title="第1回 支援調整会議",
        by=counselor,
        organisations=[ward_office, pantry],
        other_organisations="こども相談センター",
        notes="状況を共有",
        cases=[
            services.MeetingCaseInput(
                case=her_case,
                shared_items=["nickname", "situation"],
                consent=consent,
                decisions="区役所で生活保護の申請を支援",
                actions=[
                    services.MeetingAction(description="申請に同行する", owner=colleague),
                ],
            )
        ],
    )
    row = MeetingCase.objects.get(meeting=meeting)
    assert (row.case, row.client, row.basis) == (her_case, her_case.client, "consent")
    records = ProvisionRecord.objects.filter(meeting=meeting).order_by("recipient_name")
    assert {r.partner for r in records} == {ward_office, pantry}
    assert all(r.items == ["nickname", "situation"] and r.basis == "consent" for r in records)
    action = SupportAction.objects.get(case=her_case)
    assert (action.description, action.owner, action.created_by) == (
        "申請に同行する",
        colleague,
        counselor,
    )


def test_a_meeting_without_consent_needs_a_supervisors_emergency(her_case, counselor, supervisor):
    item = services.MeetingCaseInput(case=her_case, shared_items=["nickname"])
    with pytest.raises(ValidationError) as exc:
        services.meeting_record(
            held_at=timezone.now(),
            title="会議",
            by=counselor,
            cases=[item],
            organisations=[PartnerFactory()],
        )
    assert exc.value.code == "no_consent"
    emergency = services.MeetingCaseInput(
        case=her_case, shared_items=["nickname"], emergency_reason="生命の危険"
    )
    with pytest.raises(PermissionDenied):
        services.meeting_record(
            held_at=timezone.now(), title="会議", by=counselor, cases=[emergency]
        )
    meeting = services.meeting_record(
        held_at=timezone.now(),
        title="会議",
        by=supervisor,
        cases=[emergency],
        organisations=[PartnerFactory()],
    )
    assert ProvisionRecord.objects.get(meeting=meeting).basis == "emergency"
