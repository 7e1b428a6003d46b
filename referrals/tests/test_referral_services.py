import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, ProgrammingError, connection, transaction
from django.test import override_settings
from django.utils import timezone

from cases.models import Client
from followups.models import FollowUp
from privacy.services import consent_withdraw as privacy_consent_withdraw
from referrals import services
from referrals.models import ProvisionRecord, Referral, ReferralTransition

pytestmark = pytest.mark.django_db


def _messages(exc: ValidationError) -> list[str]:
    return list(exc.messages)


def _path(referral: Referral) -> list[tuple[str, str]]:
    return list(
        ReferralTransition.objects.filter(referral=referral)
        .order_by("at", "pk")
        .values_list("from_status", "to_status")
    )


# --- the allowed flow -------------------------------------------------------------------------


def test_a_referral_goes_from_draft_to_completed_with_a_row_per_transition(sent, counselor):
    services.referral_accept(referral=sent, by=counselor, note="電話で受入の連絡")
    services.referral_start(referral=sent, by=counselor)
    services.referral_complete(referral=sent, by=counselor, outcome="食料を受け取れた")
    sent.refresh_from_db()
    assert sent.status == Referral.Status.COMPLETED
    assert sent.sent_at and sent.accepted_at and sent.completed_at
    assert _path(sent) == [
        ("", "draft"),
        ("draft", "sent"),
        ("sent", "accepted"),
        ("accepted", "in_progress"),
        ("in_progress", "completed"),
    ]
    accepted = ReferralTransition.objects.get(referral=sent, to_status="accepted")
    assert accepted.by == counselor and accepted.note == "電話で受入の連絡"


def test_a_declined_referral_keeps_the_reason(sent, counselor):
    services.referral_decline(referral=sent, by=counselor, reason="定員に空きがない")
    sent.refresh_from_db()
    assert sent.status == "declined" and sent.declined_reason == "定員に空きがない"
    assert _path(sent)[-1] == ("sent", "declined")


@pytest.mark.parametrize("steps", [[], ["send"], ["send", "accept"], ["send", "accept", "start"]])
def test_withdrawn_from_any_open_step(draft, consent, counselor, steps):
    moves = {
        "send": lambda: services.referral_send(referral=draft, consent=consent, by=counselor),
        "accept": lambda: services.referral_accept(referral=draft, by=counselor),
        "start": lambda: services.referral_start(referral=draft, by=counselor),
    }
    for step in steps:
        moves[step]()
    services.referral_withdraw(referral=draft, by=counselor, note="本人が希望しなくなった")
    draft.refresh_from_db()
    assert draft.status == "withdrawn" and draft.closed_at
    assert _path(draft)[-1][1] == "withdrawn"


# --- the forbidden ones -------------------------------------------------------------------------


def test_send_without_consent_is_refused(draft, counselor):
    with pytest.raises(ValidationError) as exc:
        services.referral_send(referral=draft, by=counselor)
    assert _messages(exc.value) == [
        "Her consent to sharing is not recorded. Record it first, or ask a supervisor to "
        "record an emergency override."
    ]
    draft.refresh_from_db()
    assert draft.status == "draft"
    assert not ProvisionRecord.objects.exists()


def test_send_after_her_consent_was_withdrawn_is_refused(draft, consent, counselor):
    services.consent_withdraw(consent=consent, by=counselor, reason="本人の申し出")
    with pytest.raises(ValidationError) as exc:
        services.referral_send(referral=draft, consent=consent, by=counselor)
    day = timezone.localtime(consent.__class__.objects.get(pk=consent.pk).withdrawn_at)
    assert _messages(exc.value) == [
        f"Her consent was withdrawn on {day:%Y-%m-%d}. Nothing may be shared on it."
    ]
    assert not ProvisionRecord.objects.exists()


def test_a_general_withdrawal_in_the_privacy_app_blocks_sending(draft, consent, counselor):
    privacy_consent_withdraw(
        client=draft.client, scope="sharing", method="line", note="", by=counselor
    )
    with pytest.raises(ValidationError) as exc:
        services.referral_send(referral=draft, consent=consent, by=counselor)
    assert "She has withdrawn her consent to sharing with partners" in _messages(exc.value)[0]


def test_send_with_items_outside_her_consent_is_refused(her_case, partner, consent, counselor):
    referral = services.referral_create(
        case=her_case,
        partner=partner,
        reason="住まいの相談",
        shared_items=["nickname", "case_summary", "ward"],
        by=counselor,
    )
    with pytest.raises(ValidationError) as exc:
        services.referral_send(referral=referral, consent=consent, by=counselor)
    assert exc.value.message_dict == {
        "shared_items": ["Her consent does not cover: Ward、Case summary."]
    }


def test_a_consent_of_another_client_is_refused(draft, counselor, colleague):
    from cases.tests.factories import ClientFactory

    other = ClientFactory(counselors=[counselor])
    foreign = services.consent_record(
        client=other, given_at=timezone.now(), method="line", scope=["nickname"], by=counselor
    )
    with pytest.raises(ValidationError) as exc:
        services.referral_send(referral=draft, consent=foreign, by=counselor)
    assert exc.value.message_dict == {"consent": ["This consent was given by another client."]}


def test_an_emergency_override_by_a_counselor_is_refused(draft, counselor):
    with pytest.raises(PermissionDenied) as exc:
        services.referral_send(referral=draft, emergency_reason="命の危険", by=counselor)
    assert str(exc.value) == "Only a supervisor may record an emergency override of her consent."
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_a_supervisor_sends_on_an_emergency_override(draft, supervisor):
    services.referral_send(referral=draft, emergency_reason="DV被害で身体に危険", by=supervisor)
    draft.refresh_from_db()
    assert draft.status == "sent" and draft.consent is None
    assert (draft.emergency_override_reason, draft.override_by) == (
        "DV被害で身体に危険",
        supervisor,
    )
    record = ProvisionRecord.objects.get(referral=draft)
    assert record.basis == "emergency" and record.consent is None


def test_accepting_a_withdrawn_referral_is_refused(sent, counselor):
    services.referral_withdraw(referral=sent, by=counselor, note="取り下げ")
    with pytest.raises(ValidationError) as exc:
        services.referral_accept(referral=sent, by=counselor)
    assert _messages(exc.value) == ["This referral is Withdrawn; it cannot become Accepted."]


def test_decline_without_a_reason_is_refused(sent, counselor):
    with pytest.raises(ValidationError) as exc:
        services.referral_decline(referral=sent, by=counselor, reason="  ")
    assert exc.value.message_dict == {"reason": ["Say why the partner declined."]}
    sent.refresh_from_db()
    assert sent.status == "sent"


def test_complete_without_an_outcome_is_refused(sent, counselor):
    services.referral_accept(referral=sent, by=counselor)
    services.referral_start(referral=sent, by=counselor)
    with pytest.raises(ValidationError) as exc:
        services.referral_complete(referral=sent, by=counselor, outcome="")
    assert exc.value.message_dict == {"outcome": ["Record the outcome."]}


@pytest.mark.parametrize(
    "move",
    [
        lambda r, by: services.referral_accept(referral=r, by=by),
        lambda r, by: services.referral_start(referral=r, by=by),
        lambda r, by: services.referral_complete(referral=r, by=by, outcome="x"),
        lambda r, by: services.referral_decline(referral=r, by=by, reason="x"),
    ],
)
def test_a_draft_cannot_skip_sending(draft, counselor, move):
    with pytest.raises(ValidationError) as exc:
        move(draft, counselor)
    assert exc.value.code == "forbidden_transition"
    assert _messages(exc.value)[0].startswith("This referral is Draft; it cannot become ")


def test_a_completed_referral_cannot_be_withdrawn(sent, counselor):
    services.referral_accept(referral=sent, by=counselor)
    services.referral_start(referral=sent, by=counselor)
    services.referral_complete(referral=sent, by=counselor, outcome="つながった")
    with pytest.raises(ValidationError) as exc:
        services.referral_withdraw(referral=sent, by=counselor, note="x")
    assert _messages(exc.value) == ["This referral is Completed; it cannot become Withdrawn."]


def test_sending_twice_is_refused(sent, consent, counselor):
    with pytest.raises(ValidationError) as exc:
        services.referral_send(referral=sent, consent=consent, by=counselor)
    assert _messages(exc.value) == ["This referral is Sent; it cannot become Sent."]
    assert ProvisionRecord.objects.count() == 1


@pytest.mark.parametrize("who", ["colleague", "coordinator", "expert"])
def test_only_her_caseworkers_and_supervisors_work_with_her_referrals(
    request, her_case, partner, who
):
    with pytest.raises(PermissionDenied):
        services.referral_create(
            case=her_case,
            partner=partner,
            reason="x",
            shared_items=["nickname"],
            by=request.getfixturevalue(who),
        )


def test_a_referral_to_an_inactive_partner_is_refused(her_case, partner, counselor, supervisor):
    services.partner_set_active(partner=partner, is_active=False, by=supervisor)
    with pytest.raises(ValidationError) as exc:
        services.referral_create(
            case=her_case, partner=partner, reason="x", shared_items=["nickname"], by=counselor
        )
    assert exc.value.message_dict == {
        "partner": ["This partner is no longer active; choose another."]
    }


def test_unknown_or_no_items_are_refused(her_case, partner, counselor):
    with pytest.raises(ValidationError) as exc:
        services.referral_create(
            case=her_case, partner=partner, reason="x", shared_items=[], by=counselor
        )
    assert exc.value.message_dict == {"shared_items": ["Choose at least one item to share."]}
    with pytest.raises(ValidationError) as exc:
        services.referral_create(
            case=her_case, partner=partner, reason="x", shared_items=["address"], by=counselor
        )
    assert exc.value.message_dict == {"shared_items": ["Unknown items: address."]}


# --- consent ----------------------------------------------------------------------------------


def test_recording_consent_raises_her_general_consent_to_sharing(her_case, counselor):
    client = her_case.client
    assert client.consent_scope == Client.ConsentScope.NONE
    services.consent_record(
        client=client, given_at=timezone.now(), method="written", scope=["ward"], by=counselor
    )
    client.refresh_from_db()
    assert client.consent_scope == Client.ConsentScope.SHARE
    assert (client.consent_method, client.consent_recorded_by) == ("written", counselor)


def test_consent_given_on_her_behalf_names_who_gave_it(her_case, counselor):
    with pytest.raises(ValidationError) as exc:
        services.consent_record(
            client=her_case.client,
            given_at=timezone.now(),
            method="in_person",
            scope=["nickname"],
            given_by_herself=False,
            by=counselor,
        )
    assert exc.value.message_dict == {"given_by_name": ["Say who gave the consent on her behalf."]}


def test_a_consent_is_withdrawn_once(consent, counselor):
    services.consent_withdraw(consent=consent, by=counselor)
    with pytest.raises(ValidationError) as exc:
        services.consent_withdraw(consent=consent, by=counselor)
    assert _messages(exc.value) == ["This consent is already withdrawn."]


# --- the database's own refusal -------------------------------------------------------------


def test_the_database_refuses_a_sent_referral_without_consent_or_override(draft):
    with pytest.raises(IntegrityError, match="referrals_referral_sent_has_basis"):
        with transaction.atomic():
            Referral.objects.filter(pk=draft.pk).update(status="sent", sent_at=timezone.now())


def test_the_database_refuses_an_override_without_a_supervisor(draft):
    with pytest.raises(IntegrityError, match="referrals_referral_sent_has_basis"):
        with transaction.atomic():
            Referral.objects.filter(pk=draft.pk).update(
                status="accepted", sent_at=timezone.now(), emergency_override_reason="緊急"
            )


@pytest.mark.parametrize(
    ("status", "rule"),
    [("declined", "declined_has_reason"), ("completed", "completed_has_outcome")],
)
def test_the_database_refuses_declined_without_reason_and_completed_without_outcome(
    sent, status, rule
):
    with pytest.raises(IntegrityError, match=f"referrals_referral_{rule}"):
        with transaction.atomic():
            Referral.objects.filter(pk=sent.pk).update(status=status)


# --- the provision record -----------------------------------------------------------------------


def test_sending_writes_the_provision_record_in_the_same_transaction(draft, consent, counselor):
    services.referral_send(referral=draft, consent=consent, by=counselor)
    record = ProvisionRecord.objects.get()
    draft.refresh_from_db()
    assert record.provided_at == draft.sent_at  # one transaction, one clock reading
    assert (record.recipient_name, record.recipient_kind) == (draft.partner.name, "food_pantry")
    assert (record.client, record.items, record.basis) == (
        draft.client,
        ["nickname", "situation"],
        "consent",
    )
    assert (record.consent, record.by, record.referral) == (consent, counselor, draft)
    assert record.retain_until == record.provided_at.replace(year=record.provided_at.year + 3)


def test_a_failed_send_leaves_no_provision_record(draft, consent, counselor, monkeypatch):
    from referrals.services import referrals as module

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    # The step after the provision record fails: the whole send is rolled back.
    monkeypatch.setattr(module, "_transition_row", broken)
    with pytest.raises(RuntimeError):
        services.referral_send(referral=draft, consent=consent, by=counselor)
    assert not ProvisionRecord.objects.exists()
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_the_provision_record_refuses_update_and_delete(sent):
    record = ProvisionRecord.objects.get()
    with pytest.raises(ProgrammingError, match="Cannot update or delete"):
        with transaction.atomic():
            ProvisionRecord.objects.filter(pk=record.pk).update(recipient_name="x")
    with pytest.raises(ProgrammingError, match="Cannot update or delete"):
        with transaction.atomic():
            ProvisionRecord.objects.filter(pk=record.pk).delete()


def test_withdrawing_the_referral_keeps_its_provision_record(sent, counselor):
    services.referral_withdraw(referral=sent, by=counselor, note="取り下げ")
    assert ProvisionRecord.objects.filter(referral=sent).count() == 1


def test_the_provision_records_refuse_truncate(sent):
    with pytest.raises(ProgrammingError, match="Cannot truncate"):
        with transaction.atomic(), connection.cursor() as cursor:
            # Deferred foreign-key checks pending would refuse TRUNCATE before the trigger.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("TRUNCATE referrals_provisionrecord CASCADE")


def test_transitions_refuse_update(sent):
    with pytest.raises(ProgrammingError, match="Cannot update or delete"):
        with transaction.atomic():
            ReferralTransition.objects.filter(referral=sent).update(note="x")


def test_the_record_survives_an_edit_of_the_partner(sent, supervisor):
    services.partner_update(partner=sent.partner, by=supervisor, name="改名したパントリー")
    record = ProvisionRecord.objects.get()
    assert record.recipient_name != "改名したパントリー"


# --- reminders ----------------------------------------------------------------------------------


@override_settings(REFERRAL_SENT_REMINDER_DAYS=3)
def test_sending_reminds_the_sender_after_the_set_days(draft, consent, counselor):
    before = timezone.now()
    services.referral_send(referral=draft, consent=consent, by=counselor)
    draft.refresh_from_db()
    reminder = draft.reminder
    assert (reminder.assignee, reminder.case, reminder.state) == (counselor, draft.case, "pending")
    due = reminder.due_at - before
    assert datetime.timedelta(days=3) <= due < datetime.timedelta(days=3, minutes=1)


def test_the_reminder_defaults_to_seven_days(sent):
    sent.refresh_from_db()
    assert (sent.reminder.due_at - sent.sent_at) == datetime.timedelta(days=7)


@pytest.mark.parametrize("leave", ["accept", "decline", "withdraw"])
def test_the_reminder_is_cancelled_when_the_referral_leaves_sent(sent, counselor, leave):
    {
        "accept": lambda: services.referral_accept(referral=sent, by=counselor),
        "decline": lambda: services.referral_decline(referral=sent, by=counselor, reason="満員"),
        "withdraw": lambda: services.referral_withdraw(referral=sent, by=counselor, note="x"),
    }[leave]()
    sent.refresh_from_db()
    assert FollowUp.objects.get(pk=sent.reminder_id).state == FollowUp.State.CANCELLED
