"""The activities app's part of the yearly report: expert days held, peer-support sessions and
their participants (`selectors.report_numbers`; the expert consultations themselves are
counted with every consultation, in the cases app's part)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _

from core import registry
from core.figures import UNIT_PEOPLE, UNIT_TIMES, unflatten

from . import selectors

OWN = ("expert.legal.sessions", "expert.health.sessions", "peer_support.")


def report_numbers(start: datetime.date, end: datetime.date) -> dict[str, Any]:
    found = selectors.report_numbers(start, end)
    return unflatten({key: value for key, value in found.items() if key.startswith(OWN)})


def report_rows(numbers: Mapping[str, Any]) -> Iterable[registry.ReportRow]:
    days = (("legal", _("Legal consultation days")), ("health", _("Health consultation days")))
    for kind, label in days:
        yield registry.ReportRow(
            f"expert.{kind}.sessions", label,
            _("Expert days of this kind held in the period (not cancelled)."), unit=UNIT_TIMES,
        )  # fmt: skip
    yield registry.ReportRow(
        "peer_support.sessions", _("Peer-support sessions held"),
        _("Sessions held in the period."), unit=UNIT_TIMES,
    )  # fmt: skip
    yield registry.ReportRow(
        "peer_support.participants", _("Participants (sum of attendance)"),
        _("Women present at each session held, added up (anonymous head counts included)."),
        unit=UNIT_PEOPLE,
    )  # fmt: skip
    yield registry.ReportRow(
        "peer_support.distinct_participants", _("Different participants"),
        _("Different women present at least once; each anonymous head count counts once."),
        unit=UNIT_PEOPLE, people=True,
    )  # fmt: skip
    yield registry.ReportRow(
        "peer_support.first_time_participants", _("First-time participants"),
        _("Women whose first attendance ever was in the period."), unit=UNIT_PEOPLE, people=True,
    )  # fmt: skip
