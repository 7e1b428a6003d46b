"""Fixtures of the referral tests: her case with its counselor, a partner, her consent."""

from __future__ import annotations

import pytest
from django.utils import timezone, translation

from cases.tests.factories import CaseFactory, ClientFactory
from referrals import services
from referrals.models import Consent

from .factories import PartnerFactory


@pytest.fixture(autouse=True)
def _messages_in_english():
    # The messages are checked as written (the Japanese catalogue is filled separately).
    with translation.override("en"):
        yield


@pytest.fixture
def her_case(counselor):
    client = ClientFactory(counselors=[counselor], created_by=counselor)
    return CaseFactory(client=client, opened_by=counselor, counselors=[counselor])


@pytest.fixture
def partner(db):
    return PartnerFactory()


@pytest.fixture
def consent(her_case, counselor):
    return services.consent_record(
        client=her_case.client,
        given_at=timezone.now(),
        method=Consent.Method.LINE,
        scope=["nickname", "contact", "situation"],
        by=counselor,
    )


@pytest.fixture
def draft(her_case, partner, counselor):
    return services.referral_create(
        case=her_case,
        partner=partner,
        reason="食料の支援が必要",
        shared_items=["nickname", "situation"],
        by=counselor,
    )


@pytest.fixture
def sent(draft, consent, counselor):
    return services.referral_send(referral=draft, consent=consent, by=counselor)
