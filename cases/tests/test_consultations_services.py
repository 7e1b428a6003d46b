import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases.models import Client, Consultation
from cases.services.clients import client_merge
from cases.services.consultations import (
    consultation_intake,
    consultation_record,
    consultation_update,
)
from cases.tests.factories import CaseFactory, ClientFactory
from openings.models import Opening

TOKYO = datetime.timezone(datetime.timedelta(hours=9))


def _values(counselor, **kwargs):
    start = timezone.now() - datetime.timedelta(minutes=30)
    values = {
        "kind": Consultation.Kind.PHONE,
        "started_at": start,
        "ended_at": start + datetime.timedelta(minutes=25),
        "counselors": [counselor],
        "main_concern": Consultation.MainConcern.ECONOMIC,
        "topics": [Consultation.Topic.POVERTY, Consultation.Topic.WORK],
        "established": True,
        "summary": "家賃が払えない",
        "notes": "",
        "outcomes": [Consultation.Outcome.INFORMATION],
        "follow_up_needed": True,
        "follow_up_due_at": start + datetime.timedelta(days=2),
    }
    values.update(kwargs)
    return values


def test_recording_takes_a_queued_client_out_of_the_queue(counselor):
    client = ClientFactory()
    consultation = consultation_record(client=client, by=counselor, **_values(counselor))
    assert consultation.recorded_by == counselor
    assert list(consultation.counselors.all()) == [counselor]
    assert list(client.counselors.all()) == [counselor]


def test_recording_does_not_reassign_a_client_who_has_counselors(counselor, colleague):
    client = ClientFactory(counselors=[counselor])
    consultation_record(client=client, by=colleague, **_values(colleague))
    assert list(client.counselors.all()) == [counselor]


def test_end_before_start_is_refused(counselor):
    client = ClientFactory()
    start = timezone.now()
    with pytest.raises(ValidationError) as exc:
        consultation_record(
            client=client,
            by=counselor,
            **_values(counselor, started_at=start, ended_at=start - datetime.timedelta(minutes=1)),
        )
    assert "ended_at" in exc.value.message_dict
    assert not Consultation.objects.exists()


def test_counselors_must_hold_the_counselor_role(counselor, coordinator):
    client = ClientFactory()
    with pytest.raises(ValidationError) as exc:
        consultation_record(
            client=client, by=counselor, **_values(counselor, counselors=[coordinator])
        )
    assert "counselors" in exc.value.message_dict
    with pytest.raises(ValidationError):
        consultation_record(client=client, by=counselor, **_values(counselor, counselors=[]))


def test_bad_codes_are_refused(counselor):
    client = ClientFactory()
    with pytest.raises(ValidationError) as exc:
        consultation_record(
            client=client,
            by=counselor,
            **_values(counselor, main_concern="x", topics=["nope"], outcomes=["nope"]),
        )
    assert {"main_concern", "topics", "outcomes"} <= set(exc.value.message_dict)


def test_a_case_of_another_client_is_refused(counselor):
    client = ClientFactory()
    other_case = CaseFactory()
    with pytest.raises(ValidationError) as exc:
        consultation_record(client=client, by=counselor, case=other_case, **_values(counselor))
    assert "case" in exc.value.message_dict


def test_line_consultation_is_linked_to_its_opening(counselor):
    opens = datetime.datetime(2024, 5, 8, 14, 0, tzinfo=TOKYO)
    opening = Opening.objects.create(
        channel="line", starts_at=opens, ends_at=opens + datetime.timedelta(hours=6)
    )
    client = ClientFactory()
    start = opens + datetime.timedelta(hours=1)
    line = consultation_record(
        client=client,
        by=counselor,
        **_values(
            counselor,
            kind=Consultation.Kind.LINE,
            started_at=start,
            ended_at=start + datetime.timedelta(minutes=40),
        ),
    )
    phone = consultation_record(
        client=client,
        by=counselor,
        **_values(
            counselor,
            started_at=start,
            ended_at=start + datetime.timedelta(minutes=40),
        ),
    )
    assert line.opening == opening
    assert phone.opening is None  # a phone call is not held in an opening window


def test_update_recomputes_the_opening_when_the_time_changes(counselor):
    opens = datetime.datetime(2024, 5, 12, 10, 0, tzinfo=TOKYO)
    opening = Opening.objects.create(
        channel="line", starts_at=opens, ends_at=opens + datetime.timedelta(hours=6)
    )
    client = ClientFactory()
    consultation = consultation_record(
        client=client, by=counselor, **_values(counselor, kind=Consultation.Kind.LINE)
    )
    assert consultation.opening is None
    start = opens + datetime.timedelta(minutes=30)
    consultation_update(
        consultation=consultation,
        by=counselor,
        started_at=start,
        ended_at=start + datetime.timedelta(minutes=20),
        summary="訂正",
    )
    consultation.refresh_from_db()
    assert consultation.opening == opening and consultation.summary == "訂正"
    with pytest.raises(ValidationError):
        consultation_update(
            consultation=consultation, by=counselor, ended_at=start - datetime.timedelta(hours=1)
        )


def test_intake_creates_both_or_neither(counselor):
    consultation = consultation_intake(
        by=counselor,
        new_client={"nickname": "なでしこ", "phone": "090-0000-1111"},
        **_values(counselor),
    )
    client = consultation.client
    assert (client.nickname, client.phone) == ("なでしこ", "09000001111")
    assert list(client.counselors.all()) == [counselor]

    with pytest.raises(ValidationError):
        consultation_intake(
            by=counselor,
            new_client={"nickname": "あやめ"},
            **_values(counselor, main_concern="x"),
        )
    assert not Client.objects.filter(nickname="あやめ").exists()


def test_a_merged_client_takes_no_new_consultations(counselor, supervisor):
    kept, merged = ClientFactory(), ClientFactory()
    client_merge(kept=kept, merged=merged, by=supervisor)
    merged.refresh_from_db()
    with pytest.raises(ValidationError):
        consultation_record(client=merged, by=counselor, **_values(counselor))
