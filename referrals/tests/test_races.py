"""Two transitions of one referral at the same moment, on two real connections."""

import pytest
from django.utils import timezone

from cases.tests.factories import CaseFactory, ClientFactory
from cases.tests.races import at_once
from referrals import services
from referrals.models import ProvisionRecord, Referral, ReferralTransition

from .factories import PartnerFactory


@pytest.fixture
def setup(counselor, colleague):
    client = ClientFactory(counselors=[counselor, colleague])
    case = CaseFactory(client=client, opened_by=counselor, counselors=[counselor, colleague])
    consent = services.consent_record(
        client=client, given_at=timezone.now(), method="line", scope=["nickname"], by=counselor
    )
    referral = services.referral_create(
        case=case, partner=PartnerFactory(), reason="食料", shared_items=["nickname"], by=counselor
    )
    return referral, consent


@pytest.mark.django_db(transaction=True)
def test_accept_and_decline_at_once_one_wins(setup, counselor, colleague):
    referral, consent = setup
    services.referral_send(referral=referral, consent=consent, by=counselor)

    results = at_once(
        lambda: services.referral_accept(
            referral=Referral.objects.get(pk=referral.pk), by=counselor
        ),
        lambda: services.referral_decline(
            referral=Referral.objects.get(pk=referral.pk), by=colleague, reason="満員"
        ),
    )

    assert results == ["done", "refused"]
    referral.refresh_from_db()
    assert referral.status in ("accepted", "declined")
    rows = ReferralTransition.objects.filter(referral=referral).order_by("at", "pk")
    assert [r.to_status for r in rows] == ["draft", "sent", referral.status]


@pytest.mark.django_db(transaction=True)
def test_two_sends_at_once_write_one_provision_record(setup, counselor, colleague):
    referral, consent = setup

    results = at_once(
        lambda: services.referral_send(referral=referral, consent=consent, by=counselor),
        lambda: services.referral_send(referral=referral, consent=consent, by=colleague),
    )

    assert results == ["done", "refused"]
    assert ProvisionRecord.objects.filter(referral=referral).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_withdrawal_of_consent_and_a_send_at_once_never_share_on_a_withdrawn_consent(
    setup, counselor, colleague
):
    referral, consent = setup

    at_once(
        lambda: services.referral_send(referral=referral, consent=consent, by=counselor),
        lambda: services.consent_withdraw(consent=consent, by=colleague, reason="本人の申し出"),
    )

    consent.refresh_from_db()
    assert consent.is_withdrawn
    for record in ProvisionRecord.objects.filter(consent=consent):
        assert record.provided_at < consent.withdrawn_at
