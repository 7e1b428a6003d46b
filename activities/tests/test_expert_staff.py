"""The expert holds the consultations she answers: she is the consultation's staff member
(cases accepts her through `core.registry.consultation_staff`), the counselor who referred her
keeps the booking and the follow-up, and her reach stays what it was."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from activities import services
from cases.models import Consultation
from cases.services.consultations import consultation_record
from cases.tests.factories import CaseFactory, ClientFactory

from .conftest import move_to_past

pytestmark = pytest.mark.django_db


def _record(booking, expert, **extra):
    start = booking.slot.starts_at
    return services.expert_consultation_record(
        booking=booking,
        by=expert,
        started_at=start,
        ended_at=start + datetime.timedelta(minutes=40),
        main_concern=Consultation.MainConcern.FAMILY,
        summary="調停の流れを説明した。",
        **extra,
    )


def test_the_consultation_is_hers_on_the_case_and_the_counselor_sees_it_on_the_timeline(
    client, booking, legal_day, expert, counselor, her_client
):
    case = CaseFactory(client=her_client, opened_by=counselor, counselors=[counselor])
    move_to_past(legal_day)
    booking.refresh_from_db()
    _record(
        booking,
        expert,
        follow_up_what="法テラスの案内を送る",
        follow_up_due_at=timezone.now() + datetime.timedelta(days=2),
    )
    booking.refresh_from_db()
    consultation = booking.consultation
    assert list(consultation.counselors.all()) == [expert]
    assert consultation.recorded_by == expert
    assert consultation.case == case
    assert booking.booked_by == counselor and booking.followup.assignee == counselor

    client.force_login(counselor)
    page = client.get(reverse("cases:case_detail", args=[case.pk]))
    assert page.status_code == 200
    timeline = page.context["timeline"]
    (entry,) = [e for e in timeline if e.kind == "consultation"]
    assert entry.object == consultation and entry.actor == expert
    detail = client.get(reverse("cases:consultation_detail", args=[consultation.pk]))
    assert detail.status_code == 200
    assert str(expert) in detail.content.decode()

    # Her reach is unchanged: her days and bookings, no case page, no consultation page.
    client.force_login(expert)
    assert client.get(reverse("activities:booking_detail", args=[booking.pk])).status_code == 200
    for url in (
        reverse("cases:case_detail", args=[case.pk]),
        reverse("cases:client_detail", args=[her_client.pk]),
        reverse("cases:consultation_detail", args=[consultation.pk]),
    ):
        assert client.get(url).status_code == 404, url


def test_an_expert_may_hold_only_the_kinds_she_answers(expert, counselor):
    her = ClientFactory(counselors=[counselor], created_by=counselor)
    now = timezone.now()
    common = {
        "client": her,
        "started_at": now - datetime.timedelta(hours=1),
        "ended_at": now - datetime.timedelta(minutes=20),
        "main_concern": "family",
        "by": counselor,
    }
    made = consultation_record(kind=Consultation.Kind.HEALTH, counselors=[expert], **common)
    assert list(made.counselors.all()) == [expert]
    with pytest.raises(ValidationError) as refused:
        consultation_record(kind=Consultation.Kind.LINE, counselors=[expert], **common)
    assert "counselors" in refused.value.message_dict
