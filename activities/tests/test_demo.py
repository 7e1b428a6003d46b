"""The demo year holds the report's peer-support and expert figures, and a reset replaces it."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import call_command

from activities.models import ExpertBooking, PeerSession
from activities.selectors import report_numbers

pytestmark = pytest.mark.django_db

FY2022 = (datetime.date(2022, 4, 1), datetime.date(2023, 3, 31))


def _seed(*args: str) -> str:
    out = io.StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def test_the_demo_year_has_the_reports_figures_and_a_reset_replaces_it():
    output = _seed("--seed", "3")
    assert "activities" in output
    numbers = report_numbers(*FY2022)
    assert numbers["peer_support.sessions"] == 6
    assert numbers["peer_support.participants"] == 21
    assert numbers["expert.legal.sessions"] == 2
    assert numbers["expert.legal.consultations"] == 23
    assert numbers["expert.health.sessions"] == 2
    assert numbers["expert.health.consultations"] == 21
    # Every expert consultation of the demo is a booking recorded by the day's expert.
    assert ExpertBooking.objects.filter(status="recorded").count() == 44
    assert all(
        b.consultation.kind == b.slot.day.kind and b.consultation.client_id == b.client_id
        for b in ExpertBooking.objects.select_related("consultation", "slot__day")
    )
    first = set(PeerSession.objects.values_list("pk", flat=True))
    _seed("--seed", "3", "--reset")
    assert report_numbers(*FY2022) == numbers
    assert not first & set(PeerSession.objects.values_list("pk", flat=True))
