"""Consultation times come from the server's Tokyo clock and mean a real conversation; nothing
dangerous is pre-selected on the risk-flag and closing-decision forms."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cases.forms.cases import ClosureDecisionForm
from cases.forms.clients import START_NOW_MINUTES, ConsultationForm, RiskFlagForm
from cases.services.consultations import consultation_record
from cases.tests.factories import ClientFactory


def _record(counselor, start, end):
    return consultation_record(
        client=ClientFactory(counselors=[counselor]),
        kind="phone",
        started_at=start,
        ended_at=end,
        counselors=[counselor],
        main_concern=ConsultationForm.base_fields["main_concern"].choices[1][0],
        by=counselor,
    )


@pytest.mark.django_db
def test_a_zero_minute_consultation_is_refused(counselor):
    now = timezone.now()
    with pytest.raises(ValidationError) as refused:
        _record(counselor, now, now)
    assert "ended_at" in refused.value.message_dict


@pytest.mark.django_db
def test_a_consultation_dated_ahead_of_the_clock_is_refused(counselor):
    later = timezone.now() + datetime.timedelta(days=200)
    with pytest.raises(ValidationError) as refused:
        _record(counselor, later, later + datetime.timedelta(minutes=30))
    assert "started_at" in refused.value.message_dict


@pytest.mark.django_db
def test_starting_now_may_end_a_default_length_ahead(counselor):
    now = timezone.now()
    consultation = _record(counselor, now, now + datetime.timedelta(minutes=START_NOW_MINUTES))
    assert consultation.pk


def test_starting_now_carries_the_servers_clock_and_tokyos_offset():
    values = ConsultationForm().start_now
    assert values["utc_offset"] == 540
    assert abs(values["server_now"] / 1000 - timezone.now().timestamp()) < 5
    assert values["minutes"] == START_NOW_MINUTES


def test_no_risk_and_no_closing_decision_is_pre_selected():
    assert RiskFlagForm().fields["kind"].choices[0][0] == ""
    assert not RiskFlagForm({"kind": "", "note": ""}).is_valid()
    assert ClosureDecisionForm().fields["decision"].choices[0][0] == ""
    assert not ClosureDecisionForm({"decision": ""}).is_valid()
