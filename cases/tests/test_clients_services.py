import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cases.models import Case, CaseEvent, Client, ClientMerge, Consultation, RiskFlag
from cases.services.clients import (
    client_assign_counselors,
    client_create,
    client_merge,
    client_merge_preview,
    client_update,
    phone_normalise,
    risk_flag_clear,
    risk_flag_set,
)
from cases.tests.factories import CaseFactory, ClientFactory, ConsultationFactory
from followups.models import FollowUp

LINE_ID = "U" + "a" * 32


def _create(by, **kwargs):
    values = {
        "nickname": "ひまわり",
        "age_band": Client.AgeBand.TWENTIES,
        "ward": "271021",
        "employment": Client.Employment.STUDENT,
        "household": Client.Household.PARENTS,
        "heard_from": Client.HeardFrom.SNS_AD,
        "consent_scope": Client.ConsentScope.NONE,
        "consent_given_on": None,
        "consent_method": "",
    }
    values.update(kwargs)
    return client_create(by=by, **values)


def test_phone_normalise_keeps_digits_only():
    assert phone_normalise("090-1234-5678") == "09012345678"
    assert phone_normalise("０９０ー１２３４（５６７８）") == "09012345678"
    assert phone_normalise(None) == ""


def test_client_create_assigns_the_counselor_and_normalises_phone(counselor):
    client = _create(counselor, phone="06-1234-5678")
    assert client.phone == "0612345678"
    assert list(client.counselors.all()) == [counselor]
    assert client.created_by == counselor
    assert client.consent_recorded_by is None
    assert client.status == Client.Status.ACTIVE


def test_client_create_records_who_recorded_consent(counselor):
    client = _create(
        counselor,
        consent_scope=Client.ConsentScope.RECORD,
        consent_given_on=datetime.date(2024, 5, 1),
        consent_method=Client.ConsentMethod.LINE,
    )
    assert client.consent_recorded_by == counselor


def test_client_create_refuses_consent_without_date_and_method(counselor):
    with pytest.raises(ValidationError) as exc:
        _create(counselor, consent_scope=Client.ConsentScope.SHARE)
    assert set(exc.value.message_dict) == {"consent_given_on", "consent_method"}
    assert not Client.objects.exists()


def test_a_supervisor_creating_a_client_is_not_assigned(supervisor):
    client = _create(supervisor)
    assert client.counselors.count() == 0  # she is in the intake queue


def test_duplicate_line_user_id_names_the_client_the_user_can_see(counselor):
    existing = _create(counselor, nickname="もも", line_user_id=LINE_ID)
    with pytest.raises(ValidationError) as exc:
        _create(counselor, line_user_id=LINE_ID)
    message = exc.value.message_dict["line_user_id"][0]
    assert "もも" in message and str(existing.pk) in message


def test_duplicate_line_user_id_does_not_name_a_client_the_user_cannot_see(counselor, colleague):
    _create(counselor, nickname="もも", line_user_id=LINE_ID)
    with pytest.raises(ValidationError) as exc:
        _create(colleague, line_user_id=LINE_ID)
    message = exc.value.message_dict["line_user_id"][0]
    assert "もも" not in message
    assert Client.objects.count() == 1


def test_client_update_normalises_and_records_consent(counselor, colleague):
    client = _create(counselor)
    client_update(
        client=client,
        by=colleague,
        phone="080 1111 2222",
        consent_scope=Client.ConsentScope.SHARE,
        consent_given_on=datetime.date(2024, 6, 1),
        consent_method=Client.ConsentMethod.PHONE,
    )
    client.refresh_from_db()
    assert client.phone == "08011112222"
    assert client.consent_recorded_by == colleague
    with pytest.raises(ValidationError):
        client_update(client=client, by=counselor, nickname="  ")


def test_client_update_refuses_a_line_user_id_in_use(counselor):
    _create(counselor, nickname="もも", line_user_id=LINE_ID)
    other = _create(counselor, nickname="すみれ")
    with pytest.raises(ValidationError) as exc:
        client_update(client=other, by=counselor, line_user_id=LINE_ID)
    assert "line_user_id" in exc.value.message_dict


def test_assign_counselors_accepts_counselors_only(counselor, colleague, coordinator, supervisor):
    client = ClientFactory()
    client_assign_counselors(client=client, counselors=[counselor, colleague], by=supervisor)
    assert set(client.counselors.all()) == {counselor, colleague}
    with pytest.raises(ValidationError):
        client_assign_counselors(client=client, counselors=[coordinator], by=supervisor)
    with pytest.raises(PermissionDenied):
        client_assign_counselors(client=client, counselors=[counselor], by=coordinator)


def test_risk_flag_set_updates_the_open_flag_and_records_who(counselor, colleague):
    client = ClientFactory(counselors=[counselor])
    first = risk_flag_set(client=client, kind=RiskFlag.Kind.SUICIDAL, by=counselor, note="a")
    again = risk_flag_set(client=client, kind=RiskFlag.Kind.SUICIDAL, by=colleague, note="b")
    assert again.pk == first.pk
    again.refresh_from_db()
    assert (again.set_by, again.note) == (colleague, "b")
    assert RiskFlag.objects.filter(client=client).count() == 1


def test_risk_flag_refuses_past_expiry_and_unknown_kind(counselor):
    client = ClientFactory()
    with pytest.raises(ValidationError):
        risk_flag_set(
            client=client,
            kind=RiskFlag.Kind.MINOR,
            by=counselor,
            expires_at=timezone.now() - datetime.timedelta(hours=1),
        )
    with pytest.raises(ValidationError):
        risk_flag_set(client=client, kind="nope", by=counselor)


def test_risk_flag_clear_is_recorded_once(counselor, colleague):
    client = ClientFactory()
    flag = risk_flag_set(client=client, kind=RiskFlag.Kind.DV_DANGER, by=counselor)
    risk_flag_clear(flag=flag, by=counselor)
    risk_flag_clear(flag=flag, by=colleague)
    flag.refresh_from_db()
    assert flag.cleared_by == counselor and flag.cleared_at is not None
    # A cleared flag does not block setting the same risk again.
    new = risk_flag_set(client=client, kind=RiskFlag.Kind.DV_DANGER, by=colleague)
    assert new.pk != flag.pk


def test_setting_and_clearing_a_flag_reprioritises_her_open_cases(counselor):
    client = ClientFactory(counselors=[counselor])
    case = CaseFactory(client=client, counselors=[counselor])

    flag = risk_flag_set(client=client, kind=RiskFlag.Kind.NO_HOME, by=counselor)
    case.refresh_from_db()
    assert case.priority == Case.Priority.HIGH
    risk_flag_clear(flag=flag, by=counselor)
    case.refresh_from_db()
    assert case.priority == Case.Priority.NORMAL

    changes = case.state_changes.filter(kind=CaseEvent.Kind.PRIORITY_CHANGED).order_by("pk")
    assert [(e.actor, e.after["priority"]) for e in changes] == [
        (counselor, Case.Priority.HIGH),
        (counselor, Case.Priority.NORMAL),
    ]


def test_a_high_risk_flag_raises_the_priority_of_open_cases(counselor):
    client = ClientFactory(counselors=[counselor])
    case = CaseFactory(client=client, counselors=[counselor])
    risk_flag_set(client=client, kind=RiskFlag.Kind.SUICIDAL, by=counselor)
    case.refresh_from_db()
    assert case.priority == Case.Priority.HIGH


# --- merge ----------------------------------------------------------------------------


def _duplicates(counselor, colleague):
    kept = ClientFactory(nickname="さくら", counselors=[counselor])
    merged = ClientFactory(
        nickname="さくら（重複）",
        line_user_id=LINE_ID,
        phone="0611112222",
        counselors=[colleague],
    )
    ConsultationFactory.create_batch(2, client=merged, recorded_by=colleague)
    CaseFactory(client=merged, opened_by=colleague, counselors=[colleague])
    FollowUp.objects.create(
        client=merged,
        what="電話する",
        due_at=timezone.now() + datetime.timedelta(days=1),
        assignee=colleague,
        created_by=colleague,
    )
    RiskFlag.objects.create(client=kept, kind=RiskFlag.Kind.MINOR, set_by=counselor)
    RiskFlag.objects.create(client=merged, kind=RiskFlag.Kind.MINOR, set_by=colleague)
    RiskFlag.objects.create(client=merged, kind=RiskFlag.Kind.PREGNANT, set_by=colleague)
    return kept, merged


def test_only_a_supervisor_can_merge(counselor, colleague):
    kept, merged = _duplicates(counselor, colleague)
    with pytest.raises(PermissionDenied):
        client_merge(kept=kept, merged=merged, by=counselor)
    assert not ClientMerge.objects.exists()


def test_merge_moves_everything_and_records_counts(counselor, colleague, supervisor):
    kept, merged = _duplicates(counselor, colleague)
    preview = client_merge_preview(kept=kept, merged=merged)
    record = client_merge(kept=kept, merged=merged, by=supervisor, note="同一人物")
    kept.refresh_from_db()
    merged.refresh_from_db()

    assert Consultation.objects.filter(client=kept).count() == 2
    assert Case.objects.filter(client=kept).count() == 1
    assert FollowUp.objects.filter(client=kept).count() == 1
    open_kinds = sorted(
        RiskFlag.objects.filter(client=kept, cleared_at__isnull=True).values_list("kind", flat=True)
    )
    assert open_kinds == [RiskFlag.Kind.MINOR, RiskFlag.Kind.PREGNANT]
    assert RiskFlag.objects.filter(client=merged).count() == 0
    assert set(kept.counselors.all()) == {counselor, colleague}
    assert (kept.line_user_id, kept.phone) == (LINE_ID, "0611112222")
    assert merged.line_user_id is None
    assert (merged.status, merged.merged_into) == (Client.Status.MERGED, kept)

    expected = {
        "consultations": 2,
        "cases": 1,
        "followups": 1,
        "risk_flags": 2,
        "risk_flags_dropped": 1,
        "counselors": 1,
    }
    assert preview == expected
    assert record.moved == {**expected, "line_user_id": True, "phone": True}
    assert (record.kept, record.merged, record.merged_by, record.note) == (
        kept,
        merged,
        supervisor,
        "同一人物",
    )


def test_merge_keeps_the_kept_clients_own_contact_details(counselor, colleague, supervisor):
    kept, merged = _duplicates(counselor, colleague)
    kept.phone = "0699998888"
    kept.save()
    record = client_merge(kept=kept, merged=merged, by=supervisor)
    kept.refresh_from_db()
    assert kept.phone == "0699998888" and record.moved["phone"] is False


def test_a_merged_client_cannot_be_merged_again(counselor, colleague, supervisor):
    kept, merged = _duplicates(counselor, colleague)
    client_merge(kept=kept, merged=merged, by=supervisor)
    third = ClientFactory()
    with pytest.raises(ValidationError):
        client_merge(kept=third, merged=merged, by=supervisor)
    with pytest.raises(ValidationError):
        client_merge(kept=merged, merged=third, by=supervisor)
    with pytest.raises(ValidationError):
        client_merge(kept=third, merged=third, by=supervisor)
