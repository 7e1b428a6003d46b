"""Follow-up rules held by the services and the database, not only by the forms."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from cases.services.clients import client_merge
from cases.tests.factories import ClientFactory
from followups import services
from followups.forms import FollowUpForm
from followups.models import FollowUp
from followups.tests.factories import FollowUpFactory
from notifications.models import DigestRun
from notifications.services import digest_run_claim

pytestmark = pytest.mark.django_db


def _create(client, counselor, due_at):
    return services.followup_create(
        client=client, what="電話する", due_at=due_at, assignee=counselor, by=counselor
    )


def test_a_due_time_in_the_past_is_refused_by_the_service(counselor):
    with pytest.raises(ValidationError) as exc:
        _create(ClientFactory(), counselor, timezone.now() - datetime.timedelta(hours=1))
    assert "due_at" in exc.value.message_dict
    assert not FollowUp.objects.exists()


def test_rescheduling_into_the_past_is_refused_by_the_service(counselor):
    followup = FollowUpFactory(assignee=counselor)
    with pytest.raises(ValidationError) as exc:
        services.followup_reschedule(
            followup=followup, due_at=timezone.now() - datetime.timedelta(days=2), by=counselor
        )
    assert "due_at" in exc.value.message_dict


def test_a_due_time_decades_ahead_is_refused_by_form_and_service(counselor):
    far = timezone.now() + datetime.timedelta(days=365 * 30)
    with pytest.raises(ValidationError) as exc:
        _create(ClientFactory(), counselor, far)
    assert "due_at" in exc.value.message_dict
    form = FollowUpForm(
        data={"what": "電話", "due_at": "2090-01-01T10:00", "assignee": counselor.pk},
        assignees=type(counselor).objects.filter(pk=counselor.pk),
    )
    assert not form.is_valid() and "due_at" in form.errors


def test_a_follow_up_on_a_merged_client_is_refused(counselor, supervisor):
    kept, duplicate = ClientFactory(), ClientFactory()
    client_merge(kept=kept, merged=duplicate, by=supervisor)
    with pytest.raises(ValidationError):
        _create(duplicate, counselor, timezone.now() + datetime.timedelta(hours=1))
    assert not FollowUp.objects.filter(client=duplicate).exists()


def test_a_cancel_reason_longer_than_its_column_is_refused_not_cut(counselor):
    followup = FollowUpFactory(assignee=counselor)
    with pytest.raises(ValidationError):
        services.followup_cancel(followup=followup, by=counselor, reason="あ" * 201)
    followup.refresh_from_db()
    assert followup.state == FollowUp.State.PENDING


def test_the_database_holds_done_and_cancelled_to_their_actor_and_state(counselor):
    followup = FollowUpFactory(assignee=counselor)
    with pytest.raises(IntegrityError), transaction.atomic():
        FollowUp.objects.filter(pk=followup.pk).update(state="done", done_at=timezone.now())
    with pytest.raises(IntegrityError), transaction.atomic():
        FollowUp.objects.filter(pk=followup.pk).update(done_at=timezone.now(), done_by=counselor)
    with pytest.raises(IntegrityError), transaction.atomic():
        FollowUp.objects.filter(pk=followup.pk).update(state="lost")


def test_the_digest_run_is_claimed_once_a_day_through_the_notifications_service(counselor):
    today = timezone.localdate()
    assert digest_run_claim(user=counselor, date=today, item_count=2) is True
    assert digest_run_claim(user=counselor, date=today, item_count=2) is False
    assert DigestRun.objects.filter(user=counselor, date=today).count() == 1
